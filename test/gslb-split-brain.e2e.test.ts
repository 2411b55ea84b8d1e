/**
 * Split-brain (issue 18; README "Global entry: split-brain"): two Lintas DNS instances answer
 * for example.com, both listed as stubs of one unbound. Each answers from its own probes plus
 * the shared state (the fleet, health contracts, drains and failover moves of the one control
 * plane). Instance b cannot reach c1's Gateway (its probes to c1 time out, as across a
 * partition), instance a can. The test checks the table: each instance answers its own view;
 * every answer the resolver gets is one instance's whole view, never a mix and never a region
 * no instance finds healthy; shared state (a drain) moves both; an instance that finds no
 * region healthy fails open by itself; each instance audits its own moves under its name.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGslbService, type GslbService } from '../src/runtime/index.ts';
import { excludedByHealth, httpProbe, type GslbSources } from '../src/controllers/index.ts';
import { indexZone, startDnsServer, type DnsServer } from '../src/dataplanes/index.ts';
import { createLogger } from '../src/observability/index.ts';
import type { AuditDraft } from '../src/store/index.ts';
import { removeDir } from './gateway-fleet.ts';
import { gatewayAddress, startGslbBackends, startGslbServe, type GslbBackends, type GslbServe } from './gslb-fleet.ts';
import { addressesOf, ask, startUnbound, type Unbound } from './unbound.ts';
import { waitFor } from './wait.ts';

const [C1, C2, C3] = [gatewayAddress(1), gatewayAddress(2), gatewayAddress(3)];
const HOST = 'rr.example.com';

describe('split-brain: two DNS instances that disagree, behind one resolver', { timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-gslb-split-'));
  const errors: string[] = [];
  const agent = new http.Agent({ keepAlive: false });
  const audits: Record<'a' | 'b', AuditDraft[]> = { a: [], b: [] };
  const instances: { name: 'a' | 'b'; gslb: GslbService; dns: DnsServer }[] = [];
  let backends: GslbBackends;
  let serve: GslbServe;
  let unbound: Unbound;

  const view = async (i: number): Promise<string> => addressesOf(await ask(instances[i]?.dns.udpPort ?? 0, HOST)).join(',');

  before(async () => {
    backends = await startGslbBackends();
    serve = await startGslbServe(root, backends, errors);
    const { runtime } = serve;
    await waitFor('serve ready', async () => ((await fetch(`${runtime.adminUrl}/readyz`)).status === 200 ? true : undefined), 60_000);
    // The shared state: one control plane's fleet, Gateway IR, health contracts, drains and failover moves (its bus).
    const sources = (): GslbSources | undefined => {
      const mcs = runtime.bus.mcs.get('latest');
      const health = runtime.bus.health.get('latest');
      const failover = runtime.bus.failover.get('latest');
      return mcs === undefined
        ? undefined
        : { fleetObjects: mcs.snapshot.fleetObjects, gateway: runtime.gateway.latest()?.ir, excluded: health === undefined ? {} : excludedByHealth(health), drained: failover?.drained ?? [], ownership: failover?.ownership ?? {} };
    };
    const probe = httpProbe(agent);
    const log = createLogger({ level: 'error', write: (t) => void errors.push(t) });
    const clusterset = indexZone({ zone: 'clusterset.local', ttlSeconds: 5, services: [] });
    for (const name of ['a', 'b'] as const) {
      const gslb = startGslbService({
        log,
        sources,
        instance: name,
        audit: async (ds) => audits[name].push(...ds),
        // b cannot reach c1's Gateway: its probes there time out.
        probe: name === 'b' ? async (t, signal) => (t.cluster === 'c1' ? { ok: false, detail: `timeout after ${String(t.timeoutMs)}ms` } : probe(t, signal)) : probe,
      });
      const dns = await startDnsServer({ address: '127.0.0.1', port: 0, getIndex: () => clusterset, getPublic: () => gslb.index(), log, onQuery: (e) => gslb.onQuery(e, 1) });
      instances.push({ name, gslb, dns });
    }
    unbound = await startUnbound({ dir: root, stubs: [{ zone: 'example.com', servers: instances.map((i) => `127.0.0.1@${String(i.dns.udpPort)}`) }] });
  });

  after(async () => {
    await unbound?.close();
    for (const i of instances) {
      i.gslb.close();
      await i.dns.close();
    }
    await serve?.close();
    await backends?.close();
    agent.destroy();
    removeDir(root);
  });

  it('each instance answers from its own probes: a sees every region, b every region but c1', async () => {
    await waitFor('a: every region', async () => ((await view(0)) === [C1, C2, C3].join() ? true : undefined), 20_000);
    await waitFor('b: every region but c1', async () => ((await view(1)) === [C2, C3].join() ? true : undefined), 20_000);
    assert.ok(audits.b.some((d) => d.actor === 'system:gslb@b' && d.target === `dns/${HOST}` && String(d.reason).startsWith('c1 removed: probe:')), JSON.stringify(audits.b));
  });

  it("the resolver gets one instance's whole view per answer, never a mix, and over time both", async () => {
    const views = new Set([[C1, C2, C3].join(), [C2, C3].join()]);
    const seen = new Set<string>();
    // unbound picks either stub (same RTT band) each time its TTL-0 answer is not cached (once a second).
    await waitFor('both views through unbound', async () => {
      const got = addressesOf(await ask(unbound.port, HOST)).join();
      assert.ok(views.has(got), `a mixed or foreign answer: ${got}`);
      seen.add(got);
      return seen.size === 2 ? true : undefined;
    }, 60_000);
  });

  it('shared state moves both; an instance that finds no region healthy fails open on its own', async () => {
    const failover = serve.runtime.failover.service();
    assert.ok(failover !== undefined);
    const drained = await failover.runner.setDrained('c2', true, { actor: 'olivia', reason: 'drill' });
    assert.deepEqual(drained.drained, ['c2']);
    await serve.setGatewayDown('c3', true);
    // a: c1 only. b: no healthy region (c1 unreachable from b, c2 drained, c3 down) → fail open: every undrained region.
    await waitFor('a: c1', async () => ((await view(0)) === C1 ? true : undefined), 20_000);
    await waitFor('b: fail open', async () => ((await view(1)) === [C1, C3].join() ? true : undefined), 20_000);
    // Only b raises the alert for the hostname (once it has held for NO_HEALTHY_FOR_MS): the view that fails open is b's own.
    const alerted = (i: number): boolean => (instances[i]?.gslb.alerts().active ?? []).some((x) => x.alert === 'GslbNoHealthyRegion' && x.message.includes(`${HOST} `));
    await waitFor('b raises GslbNoHealthyRegion', () => (alerted(1) ? true : undefined), 20_000);
    assert.equal(alerted(0), false);
    // The drained region is answered by neither, not even failing open.
    for (let n = 0; n < 20; n++) assert.ok(!addressesOf(await ask(unbound.port, HOST)).includes(C2));
    await serve.setGatewayDown('c3', false);
    await failover.runner.setDrained('c2', false, { actor: 'olivia', reason: 'drill over' });
    await waitFor('b: back to every region but c1', async () => ((await view(1)) === [C2, C3].join() ? true : undefined), 20_000);
  });
});
