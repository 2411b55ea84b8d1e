/**
 * `get`/`describe` show the Gateway API status the gateway translator computes, offline
 * on the capstone fleet (like ServiceExport status from the MCS translator).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { lintas } from './test-cli.ts';


describe('get gateways/httproutes with computed status', () => {
  it('shows PROGRAMMED and ACCEPTED columns from the translator', async () => {
    const gtw = await lintas(['get', 'gtw', '-A', '--config', 'examples/capstone']);
    assert.equal(gtw.code, 0);
    assert.match(gtw.stdout, /^CLUSTER\s+NAMESPACE\s+NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+LISTENERS$/m);
    assert.match(gtw.stdout, /^jkt-prod-1\s+lintas-gateway\s+regional\s+lintas\s+127\.1\.255\.1\s+True\s/m);
    const routes = await lintas(['get', 'httproutes', '-A', '--cluster', 'sgp-prod-1', '--config', 'examples/capstone']);
    assert.match(routes.stdout, /ACCEPTED\s+RESOLVED-REFS$/m);
    assert.match(routes.stdout, /public-case-api\s+cases\.example\.com\s+lintas-gateway\/regional\s+True\s+True$/m);
  });

  it('puts the status into -o yaml', async () => {
    const r = await lintas(['get', 'gtw', 'regional', '-n', 'lintas-gateway', '--cluster', 'tyo-prod-1', '-o', 'yaml', '--config', 'examples/capstone']);
    const list = parseYaml(r.stdout) as { items: { status?: { conditions: { type: string; status: string }[]; listeners: { attachedRoutes: number }[] } }[] };
    const doc = list.items[0];
    assert.deepEqual(doc?.status?.conditions.map((c) => [c.type, c.status]), [
      ['Accepted', 'True'],
      ['Programmed', 'True'],
    ]);
    assert.ok((doc?.status?.listeners[0]?.attachedRoutes ?? 0) > 0);
  });
});
