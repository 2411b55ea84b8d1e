/**
 * Global entry (issue 18) through a real recursive resolver: Debian's `unbound`, run
 * unprivileged on a loopback port with a stub zone `example.com` pointing at Lintas's DNS,
 * answers what Lintas serves for each strategy (RoundRobin, Weighted, Failover, Geo with
 * `dig +subnet=`), and follows Lintas when a region fails: its Gateway is taken down the way
 * `lintas fault cluster … down` does, its HealthContract fails, or it is drained — each move
 * an audit record. Negative answers are cached for the SOA minimum and no longer. The fleet
 * (test/gslb-fleet.ts) runs in-process; waits are bounded, no wall-clock assertions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/cli/main.ts';
import { gatewayAddress, GSLB_OPERATOR, startGslbBackends, startGslbServe, type GslbBackends, type GslbServe } from './gslb-fleet.ts';
import { removeDir } from './gateway-fleet.ts';
import { addressesOf, ask, startUnbound, type Unbound } from './unbound.ts';
import { waitFor } from './wait.ts';

const [C1, C2, C3] = [gatewayAddress(1), gatewayAddress(2), gatewayAddress(3)];

/** `dig @127.0.0.1 -p PORT NAME ARGS…` output (asynchronously: Lintas answers in this very process). */
async function dig(port: number, name: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('dig', [`@127.0.0.1`, '-p', String(port), name, '+tries=1', '+time=2', ...args], { encoding: 'utf8', timeout: 10_000 });
  return stdout;
}

const digShort = async (port: number, name: string, ...args: string[]): Promise<string[]> => (await dig(port, name, '+short', ...args)).trim().split('\n').filter((l) => l !== '').sort();

describe('public DNS through unbound (end to end)', { timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-gslb-e2e-'));
  const errors: string[] = [];
  let backends: GslbBackends;
  let serve: GslbServe;
  let unbound: Unbound;
  let lintasPort = 0;

  /** Audit records of one target, from the store. */
  const audited = async (target: string) => (await serve.store.list({ target })).map((r) => ({ actor: r.actor, action: r.action, reason: r.reason ?? '' }));

  before(async () => {
    backends = await startGslbBackends();
    serve = await startGslbServe(root, backends, errors);
    lintasPort = serve.runtime.dnsPort;
    await waitFor('serve ready', async () => ((await fetch(`${serve.runtime.adminUrl}/readyz`)).status === 200 ? true : undefined), 60_000);
    // Every cluster probed and answering: three addresses from Lintas itself.
    await waitFor('Lintas answers every region', async () => (addressesOf(await ask(lintasPort, 'rr.example.com')).length === 3 ? true : undefined), 30_000);
    unbound = await startUnbound({ dir: root, stubs: [{ zone: 'example.com', servers: [`127.0.0.1@${String(lintasPort)}`] }], clientSubnet: true });
  });

  after(async () => {
    await unbound?.close();
    await serve?.close();
    await backends?.close();
    removeDir(root);
  });

  it('RoundRobin: the resolver gets every healthy region', async () => {
    assert.deepEqual(addressesOf(await ask(unbound.port, 'rr.example.com')), [C1, C2, C3]);
    assert.deepEqual(await digShort(unbound.port, 'rr.example.com'), [C1, C2, C3]);
  });

  it('Weighted: one region per answer, drawn by weight (c1 3 : c2 1 : c3 0); a resolver keeps its draw for the TTL', async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const a = addressesOf(await ask(lintasPort, 'weighted.example.com'));
      assert.equal(a.length, 1, JSON.stringify(a));
      seen[a[0] ?? ''] = (seen[a[0] ?? ''] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(seen).sort(), [C1, C2], JSON.stringify(seen));
    // Binomial(200, 0.75): 150 ± 6.1; 5σ either side.
    assert.ok(Math.abs((seen[C1] ?? 0) - 150) <= 31, JSON.stringify(seen));
    // Through a resolver the split is per resolver and TTL window, not per query (seed 000 §16.1): one weighted region.
    const viaUnbound = addressesOf(await ask(unbound.port, 'weighted.example.com'));
    assert.equal(viaUnbound.length, 1);
    assert.ok([C1, C2].includes(viaUnbound[0] ?? ''), viaUnbound.join());
  });

  it('Geo: dig +subnet= through unbound and straight to Lintas; the client subnet is echoed with its scope', async () => {
    assert.deepEqual(await digShort(unbound.port, 'geo.example.com', '+subnet=10.2.0.0/16'), [C2]);
    assert.deepEqual(await digShort(unbound.port, 'geo.example.com', '+subnet=10.1.7.0/24'), [C1]);
    // Without a client subnet unbound sends its client's /24: 127.0.0.0/24 → r3.
    assert.deepEqual(await digShort(unbound.port, 'geo.example.com'), [C3]);
    const direct = await dig(lintasPort, 'geo.example.com', '+subnet=10.2.3.0/24');
    assert.match(direct, /CLIENT-SUBNET: 10\.2\.3\.0\/24\/16/);
    assert.match(direct, new RegExp(`geo\\.example\\.com\\.\\s+1\\s+IN\\s+A\\s+${C2.replaceAll('.', '\\.')}`));
    assert.match(direct, /flags: qr aa/);
    // A resolver whose own address is outside the table and sends no subnet: the default region.
    assert.deepEqual(await digShort(lintasPort, 'geo.example.com', '+subnet=192.0.2.0/24'), [C1]);
  });

  it("Failover: the primary; its Gateway taken down (lintas up's fault) → the resolver moves to the fallback, audited; and back", async () => {
    assert.deepEqual(addressesOf(await ask(unbound.port, 'failover.example.com')), [C2]);
    await serve.setGatewayDown('c2', true);
    await waitFor('unbound answers the fallback (r3)', async () => (addressesOf(await ask(unbound.port, 'failover.example.com')).join() === C3 ? true : undefined), 20_000);
    await waitFor('RoundRobin without c2', async () => (addressesOf(await ask(unbound.port, 'rr.example.com')).join() === [C1, C3].join() ? true : undefined), 20_000);
    const records = await audited('dns/failover.example.com');
    assert.equal(records[0]?.actor, 'system:gslb');
    assert.equal(records[0]?.action, 'DnsAnswersChanged');
    assert.match(records[0]?.reason ?? '', /^c2 removed: probe: GET http:\/\/127\.181\.2\.1:\d+\/healthz \(Host: failover\.example\.com\): ECONNREFUSED \(\d failures? in a row, threshold 2\)/);
    await serve.setGatewayDown('c2', false);
    await waitFor('the primary back', async () => (addressesOf(await ask(unbound.port, 'failover.example.com')).join() === C2 ? true : undefined), 20_000);
  });

  it("a HealthContract's regional readiness and a drain move the answers too, each audited", async () => {
    backends.dbDown.add('c1');
    await waitFor('c1 out: its database fails', async () => (addressesOf(await ask(unbound.port, 'rr.example.com')).join() === [C2, C3].join() ? true : undefined), 20_000);
    const drained = await fetch(`${serve.runtime.adminUrl}/api/v1/drain/c3`, { method: 'POST', headers: { authorization: `Bearer ${GSLB_OPERATOR}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'kernel upgrade' }) });
    assert.equal(drained.status, 200, await drained.text());
    await waitFor('c3 out: drained', async () => (addressesOf(await ask(unbound.port, 'rr.example.com')).join() === C2 ? true : undefined), 20_000);
    const reasons = (await audited('dns/rr.example.com')).map((r) => r.reason);
    assert.ok(reasons.some((r) => /^c1 removed: contract: Service\/web\/web: regional readiness false: dependency db/.test(r)), reasons.join('\n'));
    assert.ok(reasons.includes('c3 removed: drain: drained (lintas drain)'), reasons.join('\n'));
    // Both back: the database answers, the cluster is undrained.
    backends.dbDown.delete('c1');
    const undrained = await fetch(`${serve.runtime.adminUrl}/api/v1/undrain/c3`, { method: 'POST', headers: { authorization: `Bearer ${GSLB_OPERATOR}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'done' }) });
    assert.equal(undrained.status, 200);
    await waitFor('every region back', async () => (addressesOf(await ask(unbound.port, 'rr.example.com')).length === 3 ? true : undefined), 20_000);
  });

  it('negative answers carry the SOA and are cached for its minimum (2 s), then asked again', async () => {
    const nxQueries = async (): Promise<number> => {
      const text = await (await fetch(`${serve.runtime.adminUrl}/metrics`)).text();
      return [...text.matchAll(/^lintas_dns_queries_total\{[^}]*rcode="NXDOMAIN"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const before = await nxQueries();
    const first = await ask(unbound.port, 'nope.example.com');
    assert.equal(first.rcode, 'NXDOMAIN');
    const soa = first.authorities?.find((a) => a.type === 'SOA');
    assert.ok(soa !== undefined && soa.ttl !== undefined && soa.ttl <= 2, JSON.stringify(first.authorities));
    // unbound may ask more than once for one miss (retries, ECS probing): count from here.
    const afterFirst = await nxQueries();
    assert.ok(afterFirst > before, 'the first NXDOMAIN came from Lintas');
    // Until the cached SOA's TTL runs out, unbound answers alone; then it asks Lintas again.
    let lastCachedTtl = Number.POSITIVE_INFINITY;
    await waitFor('unbound asks again once the negative TTL expired', async () => {
      const again = await ask(unbound.port, 'nope.example.com');
      assert.equal(again.rcode, 'NXDOMAIN');
      if ((await nxQueries()) > afterFirst) return true;
      lastCachedTtl = again.authorities?.find((a) => a.type === 'SOA')?.ttl ?? lastCachedTtl;
      return undefined;
    }, 15_000);
    assert.ok(lastCachedTtl <= 1, `the cache held the negative answer until its TTL ran out (last cached TTL ${String(lastCachedTtl)})`);
  });

  it('lintas dns explain shows the candidates, their evidence, the choice and the TTL; metrics count answers by region', async () => {
    const out: string[] = [];
    const code = await run(['dns', 'explain', 'geo.example.com', '--client-subnet', '10.2.0.0/16', '--server', serve.runtime.adminUrl], { out: (t) => void out.push(t), err: (t) => void out.push(t), env: {}, cwd: root });
    const text = out.join('\n');
    assert.equal(code, 0, text);
    assert.match(text, /^geo\.example\.com {2}zone example\.com {2}policy edge\/geo$/m);
    assert.match(text, /strategy Geo, TTL 1s/);
    assert.match(text, /✓ c2 \(r2\) 127\.181\.2\.1/);
    assert.match(text, /ok {3}probe {4}GET http:\/\/127\.181\.2\.1:\d+\/healthz \(Host: geo\.example\.com\): .*; last probe: 200/);
    assert.match(text, /choice: c2 \(client in 10\.2\.0\.0\/16 → r2\), ECS scope \/16/);
    assert.match(text, /answer: geo\.example\.com\. 1 IN A 127\.181\.2\.1/);
    const bad = await run(['dns', 'explain', 'geo.example.com', '--client-subnet', 'nonsense', '--server', serve.runtime.adminUrl], { out: () => undefined, err: () => undefined, env: {}, cwd: root });
    assert.equal(bad, 1, 'the server refuses a malformed subnet (400)');
    const metrics = await (await fetch(`${serve.runtime.adminUrl}/metrics`)).text();
    assert.match(metrics, /^lintas_gslb_answers_total\{hostname="weighted\.example\.com",strategy="Weighted",region="r1"\} \d+$/m);
    assert.match(metrics, /^lintas_gslb_cluster_healthy\{hostname="rr\.example\.com",cluster="c2",region="r2"\} 1$/m);
    assert.match(metrics, /^lintas_gslb_no_healthy_region\{hostname="rr\.example\.com",policy="edge\/rr",mode="FailOpen"\} 0$/m);
    assert.deepEqual(errors.filter((e) => /error/i.test(e)), []);
  });
});
