/**
 * The config stream end to end, on real sockets (issue 15 part 2): a control plane
 * (admin server with the stream routes, fed from a WatchableMap of per-cluster slices)
 * and two gateway roles for two clusters. Each gets only its slice; an update is applied
 * and ACKed; a bad version (failing the check, or a listener that cannot bind) is NACKed
 * and the last good one keeps serving; with the control plane gone the gateways keep
 * serving (fail-static) until the staleness budget, then refuse Owner-mode mutations
 * while reads still work; a restarted control plane gets every gateway back, resumed
 * from the version it serves (nothing re-sent); a cluster's token cannot read another
 * cluster's stream.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { startGatewayRole, type GatewayRole } from '../src/dataplanes/index.ts';
import { backend, casesPolicy, endpoint, listener, rule, send, startBackend, upstream, vhost, type TestBackend } from '../src/dataplanes/gateway/test-kit.ts';
import type { ClusterConfig, GatewayIR } from '../src/ir/index.ts';
import { MAX_STREAMS_PER_CLUSTER, silentLogger } from '../src/observability/index.ts';
import { WatchableMap } from '../src/store/index.ts';
import { ControlPlane, TOKENS } from './config-stream-control-plane.ts';
import { waitFor } from './wait.ts';

const SUITE = { timeout: 120_000 };
const BUDGET_MS = 30_000;

describe('gateway roles fed by the config stream', SUITE, () => {
  const cp = new ControlPlane();
  let jktApp: TestBackend;
  let sgpApp: TestBackend;
  let jkt: GatewayRole;
  let sgp: GatewayRole;
  // The gateways' clock: real time plus a skew the test moves forward (no 30 s waits).
  let skewMs = 0;
  const now = (): number => performance.timeOrigin + performance.now() + skewMs;

  /** jkt serves 127.0.0.1, sgp 127.0.0.2; the Owner-mode `cases` upstream is shared, `sgp-only` is sgp's alone. */
  const fleet = (jktHeader = 'v1'): GatewayIR => ({
    listeners: [
      listener('127.0.0.1:0', [vhost('*', [rule('cases', 0, { backends: [backend('cases')] }, { responseHeaders: { set: [{ name: 'x-config', value: jktHeader }], add: [], remove: [] } })])], { cluster: 'jkt', region: 'id' }),
      listener('127.0.0.2:0', [vhost('*', [rule('only', 0, { match: { path: { type: 'PathPrefix', value: '/only' }, headers: [], queryParams: [] }, backends: [backend('sgp-only')] }), rule('cases', 0, { backends: [backend('cases')] })])], { address: '127.0.0.2', cluster: 'sgp', region: 'sg' }),
    ],
    upstreams: [
      upstream('cases', [endpoint(jktApp.port, 'jkt', { region: 'id' }), endpoint(sgpApp.port, 'sgp', { region: 'sg' })], { policy: 'ns/cases' }),
      upstream('sgp-only', [endpoint(sgpApp.port, 'sgp', { region: 'sg' })]),
    ],
    policies: [casesPolicy({ requireIdempotencyKey: false })],
  });
  const role = (cluster: 'jkt' | 'sgp', token = TOKENS[cluster]) =>
    startGatewayRole({ cluster, controlPlaneUrls: [cp.url], token, log: silentLogger, write: () => undefined, healthCheck: { enabled: false }, backoff: { initialMs: 20, maxMs: 200 }, now, staleAfterMs: BUDGET_MS, admin: { host: '127.0.0.1', port: 0 } });
  const portOf = (r: GatewayRole): number => Number(r.status().bound[0]?.split(':')[1]);
  const get = (r: GatewayRole, address: string, path = '/cases/SGP-1') => send(portOf(r), path, { address, headers: { 'x-case-id': 'SGP-1' } });
  const post = (r: GatewayRole, address: string) => send(portOf(r), '/cases', { method: 'POST', address, body: '{}', headers: { 'x-case-id': 'SGP-1' } });

  before(async () => {
    [jktApp, sgpApp] = await Promise.all([startBackend('jkt'), startBackend('sgp')]);
    await cp.start();
    cp.publish(fleet());
    [jkt, sgp] = await Promise.all([role('jkt'), role('sgp')]);
  });
  after(async () => {
    await Promise.all([jkt.close(), sgp.close()]);
    await cp.stop();
    await Promise.all([jktApp.close(), sgpApp.close()]);
  });

  test('each gateway gets only its cluster\'s slice, applies it, ACKs it and turns ready', async () => {
    const [a, b] = await Promise.all([cp.synced('jkt'), cp.synced('sgp')]);
    assert.equal(a.subject, 'gw-jkt');
    assert.equal(a.connected, true);
    assert.equal(b.subject, 'gw-sgp');
    assert.deepEqual(cp.configs.get('jkt')?.ir.upstreams.map((u) => u.key), ['cases']);
    assert.deepEqual(cp.configs.get('sgp')?.ir.upstreams.map((u) => u.key), ['cases', 'sgp-only']);
    assert.match(jkt.status().bound.join(), /^127\.0\.0\.1:\d+$/);
    assert.match(sgp.status().bound.join(), /^127\.0\.0\.2:\d+$/);
    const read = await get(jkt, '127.0.0.1');
    assert.equal(read.status, 200);
    assert.equal(read.headers['x-config'], 'v1');
    assert.equal((await get(sgp, '127.0.0.2', '/only')).json().backend, 'sgp');
    assert.equal((await post(jkt, '127.0.0.1')).json().backend, 'sgp', 'Owner mode: the write goes to its owner');
    for (const r of [jkt, sgp]) {
      const ready = await fetch(`${r.adminUrl ?? ''}/readyz`);
      assert.equal(ready.status, 200, await ready.text());
      assert.match(await (await fetch(`${r.adminUrl ?? ''}/metrics`)).text(), /lintas_gateway_config_stream_connected 1/);
    }
  });

  test('an update reaches only the gateway whose slice changed, is applied and ACKed with its lag', async () => {
    const sgpBefore = cp.configs.get('sgp');
    cp.publish(fleet('v2'));
    assert.equal(cp.configs.get('sgp'), sgpBefore, 'sgp\'s slice did not change: same version, nothing sent');
    assert.equal(cp.configs.get('jkt')?.generation, 2);
    const ack = await cp.synced('jkt');
    assert.equal(ack.acked?.generation, 2);
    assert.ok((ack.acked?.lagMs ?? -1) >= 0);
    assert.equal((await get(jkt, '127.0.0.1')).headers['x-config'], 'v2');
    assert.equal(sgp.status().acks, 1);
  });

  test('a version failing the check is NACKed with the error; the last good one keeps serving', async () => {
    const good = cp.configs.get('jkt') as ClusterConfig;
    const broken: GatewayIR = { ...good.ir, upstreams: [] }; // the route's backend now points nowhere
    cp.configs.set('jkt', { version: 'bad-0000000001', generation: good.generation + 1, publishedAt: new Date().toISOString(), ir: broken });
    const ack = await waitFor('jkt NACK', () => (cp.acks.get('jkt')?.nacked?.version === 'bad-0000000001' ? cp.acks.get('jkt') : undefined));
    assert.match(ack.nacked?.error ?? '', /no upstream "cases" in this config/);
    assert.equal(ack.acked?.version, good.version, 'status still shows the served version');
    assert.equal(jkt.status().serving?.version, good.version);
    assert.equal(jkt.status().rejected?.version, 'bad-0000000001');
    assert.equal((await get(jkt, '127.0.0.1')).headers['x-config'], 'v2');
    assert.match(await (await fetch(`${jkt.adminUrl ?? ''}/readyz`)).text(), /warning: version bad-0000000001 \(generation 3\) rejected: invalid config/);
    // Its ownership is the served one's: heartbeats naming it keep the config fresh past the budget.
    const confirmed = jkt.status().configAgeMs ?? 0;
    skewMs += BUDGET_MS + 1_000;
    await waitFor('a heartbeat confirming jkt', () => ((jkt.status().configAgeMs ?? Infinity) < BUDGET_MS ? true : undefined));
    assert.ok(confirmed < BUDGET_MS);
    assert.equal((await post(jkt, '127.0.0.1')).status, 200);
  });

  test('a rejected version that moves ownership leaves the config unconfirmed: past the budget Owner-mode mutations fail closed', async () => {
    const good = cp.configs.get('jkt') as ClusterConfig;
    const moved: GatewayIR = { ...good.ir, upstreams: [], policies: [casesPolicy({ requireIdempotencyKey: false }, { epoch: 2, moved: [{ from: 'sgp', to: 'jkt' }] })] };
    cp.configs.set('jkt', { version: 'bad-0000000002', generation: good.generation + 1, publishedAt: new Date().toISOString(), ir: moved });
    await waitFor('jkt NACK', () => (cp.acks.get('jkt')?.nacked?.version === 'bad-0000000002' ? true : undefined));
    skewMs += BUDGET_MS + 1_000;
    await waitFor('jkt stale', () => (jkt.status().stale ? true : undefined));
    const refused = await post(jkt, '127.0.0.1');
    assert.equal(refused.status, 503, 'ownership may have moved: the old owner must not take the write');
    assert.equal(refused.json<{ error: string }>().error, 'config_stale');
    assert.equal((await get(jkt, '127.0.0.1')).status, 200);
  });

  test('a version with a listener that cannot bind is NACKed and rolled back: the good listener keeps serving', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const ir = fleet('v3');
      const extra = listener(`127.0.0.1:${String(port)}`, ir.listeners[0]?.virtualHosts ?? [], { port, cluster: 'jkt' });
      cp.publish({ ...ir, listeners: [ir.listeners[0], extra, ir.listeners[1]].filter((l) => l !== undefined) });
      const version = cp.configs.get('jkt')?.version;
      const ack = await waitFor('jkt NACK of the unbindable version', () => (cp.acks.get('jkt')?.nacked?.version === version ? cp.acks.get('jkt') : undefined));
      assert.match(ack.nacked?.error ?? '', new RegExp(`cannot bind 127\\.0\\.0\\.1:${String(port)}`));
      assert.equal(jkt.status().bound.length, 1, 'the rolled-back config has one listener');
      assert.equal((await get(jkt, '127.0.0.1')).headers['x-config'], 'v2', 'v3 was rolled back');
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
    cp.publish(fleet('v4'));
    await cp.synced('jkt');
    assert.equal(jkt.status().rejected, undefined, 'a later good version clears the rejection');
    assert.equal((await get(jkt, '127.0.0.1')).headers['x-config'], 'v4');
  });

  test('a cluster\'s token reads only its own cluster: 403 for another, 401 without one', async () => {
    const stream = (cluster: string, token?: string) => fetch(`${cp.url}/api/v1/config-stream/${cluster}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    const forbidden = await stream('sgp', TOKENS.jkt);
    assert.equal(forbidden.status, 403);
    assert.match(await forbidden.text(), /requires role gateway:sgp; gw-jkt has gateway:jkt/);
    assert.equal((await stream('sgp')).status, 401);
    const ack = await fetch(`${cp.url}/api/v1/config-stream/sgp/ack`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.jkt}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: 'x', ok: true }) });
    assert.equal(ack.status, 403);
    await ack.text();
    // Nor may a gateway token read what people read.
    const audit = await fetch(`${cp.url}/api/v1/config-stream/sgp/ack`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.sgp}`, 'content-type': 'application/json' }, body: '{"version": 3}' });
    assert.equal(audit.status, 400);
    assert.match(await audit.text(), /\.version: must be a non-empty string/);
  });

  test('a cluster holds a bounded number of streams: one more gets 429 and the gateway\'s own stream is unharmed', async () => {
    const extra: AbortController[] = [];
    try {
      // The gateway holds one; open up to the cap beside it.
      for (let i = 1; i < MAX_STREAMS_PER_CLUSTER; i++) {
        const stop = new AbortController();
        extra.push(stop);
        const res = await fetch(`${cp.url}/api/v1/config-stream/sgp?since=x`, { headers: { authorization: `Bearer ${TOKENS.sgp}` }, signal: stop.signal });
        assert.equal(res.status, 200);
      }
      const refused = await fetch(`${cp.url}/api/v1/config-stream/sgp`, { headers: { authorization: `Bearer ${TOKENS.sgp}` } });
      assert.equal(refused.status, 429);
      assert.match(await refused.text(), /too_many_streams/);
    } finally {
      for (const stop of extra) stop.abort();
    }
    assert.equal(sgp.status().connected, true);
    assert.equal(cp.acks.get('sgp')?.connected, true);
  });

  test('with the control plane gone the gateways keep serving; past the budget Owner-mode mutations get 503 while reads work', async () => {
    const served = jkt.status().serving?.version;
    await cp.stop();
    await waitFor('both disconnected', () => (!jkt.status().connected && !sgp.status().connected ? true : undefined));
    assert.equal((await get(jkt, '127.0.0.1')).status, 200);
    assert.equal((await post(jkt, '127.0.0.1')).status, 200, 'inside the budget writes still go to the owner');
    skewMs += BUDGET_MS + 1_000;
    const refused = await post(jkt, '127.0.0.1');
    assert.equal(refused.status, 503);
    assert.equal(refused.json<{ error: string }>().error, 'config_stale');
    assert.equal((await post(sgp, '127.0.0.2')).status, 503);
    const read = await get(jkt, '127.0.0.1');
    assert.equal(read.status, 200, 'reads are still served');
    assert.equal(read.headers['x-config'], 'v4');
    assert.equal(jkt.status().serving?.version, served);
    assert.equal(jkt.status().stale, true);
    const ready = await fetch(`${jkt.adminUrl ?? ''}/readyz`);
    assert.equal(ready.status, 200, 'still ready: it serves');
    assert.match(await ready.text(), /not connected .*fail-static[\s\S]*Owner-mode mutations are refused/);
  });

  test('a restarted control plane (fresh maps, same fleet) gets every gateway back, resumed from the version it serves', async () => {
    const served = { jkt: jkt.status().serving?.version, sgp: sgp.status().serving?.version };
    const applied = { jkt: jkt.status().acks, sgp: sgp.status().acks };
    cp.configs = new WatchableMap();
    cp.acks = new WatchableMap();
    cp.publish(fleet('v4'));
    assert.equal(cp.configs.get('jkt')?.version, served.jkt, 'content-hash versions survive the restart');
    await cp.start();
    const [a, b] = await Promise.all([cp.synced('jkt'), cp.synced('sgp')]);
    assert.equal(a.acked?.version, served.jkt);
    assert.equal(b.acked?.version, served.sgp);
    assert.equal(a.acked?.lagMs, undefined, 'known from the resume, not from an ACK');
    assert.deepEqual({ jkt: jkt.status().acks, sgp: sgp.status().acks }, applied, 'nothing was re-sent or re-applied');
    await waitFor('fresh again', () => (!jkt.status().stale && !sgp.status().stale ? true : undefined));
    assert.equal((await post(jkt, '127.0.0.1')).json().backend, 'sgp', 'writes flow again');
  });

  test('a gateway with another cluster\'s token is refused and stays not ready', async () => {
    const intruder = await role('sgp', TOKENS.jkt);
    try {
      const why = await waitFor('the refusal', () => intruder.status().lastError);
      assert.match(why, /answered 403/);
      const ready = await fetch(`${intruder.adminUrl ?? ''}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), /not ready: no config yet: control plane .* not connected \(the control plane answered 403/);
      assert.deepEqual(intruder.status().bound, []);
    } finally {
      await intruder.close();
    }
  });

  test('closing a gateway unbinds its listeners', async () => {
    const extra = await role('jkt');
    const listening = await waitFor('the extra jkt gateway serving', () => (extra.status().serving !== undefined ? extra.status().bound : undefined));
    await extra.close();
    const [address, port] = (listening[0] ?? '').split(':');
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(Number(port), address, resolve);
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
});

describe('a gateway given two control-plane replicas follows the leader', SUITE, () => {
  const a = new ControlPlane();
  const b = new ControlPlane();
  let app: TestBackend;
  let gw: GatewayRole | undefined;
  const fleet = (): GatewayIR => ({
    listeners: [listener('127.0.0.1:0', [vhost('*', [rule('cases', 0, { backends: [backend('cases')] })])], { cluster: 'jkt', region: 'id' })],
    upstreams: [upstream('cases', [endpoint(app.port, 'jkt', { region: 'id' })])],
  });
  before(async () => {
    app = await startBackend('jkt');
    await Promise.all([a.start(), b.start()]);
    // Both replicas translate the same fleet (same versions); only the leader feeds gateways.
    a.publish(fleet());
    b.publish(fleet());
  });
  after(async () => {
    await gw?.close();
    await Promise.all([a.stop(), b.stop()]);
    await app.close();
  });

  test('a follower is skipped, and a leader that loses the lease ends the stream so the gateway moves to the new one', async () => {
    a.leading = false;
    gw = await startGatewayRole({ cluster: 'jkt', controlPlaneUrls: [a.url, b.url], token: TOKENS.jkt, log: silentLogger, write: () => undefined, healthCheck: { enabled: false }, backoff: { initialMs: 20, maxMs: 200 } });
    await b.synced('jkt');
    assert.equal(gw.status().controlPlane, b.url);
    assert.equal(a.acks.get('jkt'), undefined, 'the follower recorded nothing');
    const refused = await fetch(`${a.url}/api/v1/config-stream/jkt`, { headers: { authorization: `Bearer ${TOKENS.jkt}` } });
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: string }).error, 'not_leader');
    // The lease moves from b to a: b ends its stream at its next heartbeat, the gateway resumes on a.
    a.leading = true;
    b.leading = false;
    const resumed = await waitFor('the stream on the new leader', () => (gw?.status().connected === true && gw.status().controlPlane === a.url ? a.acks.get('jkt') : undefined));
    assert.equal(resumed.acked?.version, b.configs.get('jkt')?.version, 'the resume (since = the served version) is the acknowledgement');
    assert.equal((await send(Number(gw.status().bound[0]?.split(':')[1]), '/cases/1', { address: '127.0.0.1' })).status, 200);
  });
});
