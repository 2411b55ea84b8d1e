/**
 * `lintas route explain` offline on the capstone and on a small fleet with
 * competing rules: the winner, why the others lost (non-match condition or
 * precedence tier), backends with shares, endpoints by locality priority, 404s.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteExplanation } from '../dataplanes/index.ts';
import { lintas, REPO } from './test-cli.ts';


describe('route explain', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-explain-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('explains the capstone: listener, winning rule, ServiceImport endpoints by locality priority', async () => {
    const r = await lintas(['route', 'explain', '--config', 'examples/capstone', '--cluster', 'sgp-prod-1', '--host', 'cases.example.com:8080', '--path', '/cases/7']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^listener 127\.2\.255\.1:8080 \(gateway lintas-gateway\/regional, listener http\)$/m);
    assert.match(r.stdout, /✓ cases\/public-case-api rule 0/);
    assert.match(r.stdout, /backend ServiceImport\/cases\/public-case-api:8080 weight 1 \(100%\)/);
    // Entry sgp-prod-1: its own endpoints come first, every other region last.
    assert.match(r.stdout, /P0 same zone: 127\.2\.0\.11:8080 sgp-prod-1/);
    assert.match(r.stdout, /P3 other regions: 127\.1\.0\.11:8080 jkt-prod-1/);
  });

  it('answers 404 (exit 1) for a host no route serves', async () => {
    const r = await lintas(['route', 'explain', '--config', 'examples/capstone', '--cluster', 'jkt-prod-1', '--host', 'unknown.example.com']);
    assert.equal(r.code, 1);
    // The listener has no hostname, so its catch-all vhost exists but holds no route for this host.
    assert.match(r.stdout, /virtual host \*\n {2}→ 404: no rule matches \(NR\)/);
  });

  it('says why each competing rule lost', async () => {
    const fleet = join(root, 'fleet');
    cpSync(join(REPO, 'examples/capstone'), fleet, { recursive: true });
    writeFileSync(
      join(fleet, 'clusters/jkt-prod-1/httproutes-extra.yaml'),
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cases-detail, namespace: cases}
spec:
  parentRefs: [{name: regional, namespace: lintas-gateway}]
  hostnames: [cases.example.com]
  rules:
    - matches: [{path: {type: Exact, value: /cases/export}}]
      backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: public-case-api, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /cases}, headers: [{name: X-Tier, value: gold}]}]
      backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: public-case-api, port: 8080, weight: 3}, {name: missing, port: 8080}]
`,
    );
    const r = await lintas(['route', 'explain', '--config', fleet, '--cluster', 'jkt-prod-1', '--host', 'cases.example.com', '--path', '/cases/9', '-H', 'x-tier: gold', '-o', 'json']);
    assert.equal(r.code, 0);
    const [e] = JSON.parse(r.stdout) as RouteExplanation[];
    assert.deepEqual(
      e?.rules.map((x) => [x.route, x.ruleIndex, x.outcome]),
      [
        ['cases/cases-detail', 0, 'no-match'],
        ['cases/cases-detail', 1, 'winner'],
        ['cases/public-case-api', 0, 'lower-precedence'],
      ],
    );
    assert.match(e?.rules[0]?.reason ?? '', /path \/cases\/9 does not match Exact \/cases\/export/);
    assert.match(e?.rules[2]?.reason ?? '', /longer prefix wins/);
    assert.deepEqual(e?.backends.map((b) => [b.backend, b.share, b.invalid !== undefined]), [
      ['ServiceImport/cases/public-case-api:8080', 75, false],
      ['Service/cases/missing:8080', 25, true],
    ]);
    const without = await lintas(['route', 'explain', '--config', fleet, '--cluster', 'jkt-prod-1', '--host', 'cases.example.com', '--path', '/cases/9', '-o', 'json']);
    const [plain] = JSON.parse(without.stdout) as RouteExplanation[];
    assert.match(plain?.rules[1]?.reason ?? '', /header x-tier does not match Exact "gold"/);
    assert.equal(plain?.winner, 'httproute/cases/public-case-api/rule/0/match/0');
  });
});
