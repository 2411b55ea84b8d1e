/**
 * Gateway metrics through real sockets: the non-owner mutation counter counts a
 * mutation proxied to a cluster other than its owner, and nothing else (reads,
 * mutations to their owner, mutations to the new owner after a failover move);
 * the counters the alerts read have the names and labels the alerts expect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import type { GatewayIR, TrafficPolicyIR } from '../../ir/index.ts';
import { ALERT_METRICS } from '../../observability/index.ts';
import { MAX_CLUSTER_PAIRS, createGatewayMetrics } from './metrics.ts';
import { backend, endpoint, eventually, listener, rule, send, startBackend, startGateway, upstream, vhost, type TestBackend, type TestGateway } from './test-kit.ts';

/** The series name prom-client gives histogram values (`…_bucket`, `…_sum`, `…_count`), missing from its types. */
const metricNameOf = (v: object): string | undefined => (v as { metricName?: string }).metricName;

function policy(mode: TrafficPolicyIR['locality']['mode'], epoch = 1, moved: { from: string; to: string }[] = []): TrafficPolicyIR {
  return {
    key: 'ns/cases',
    locality: { mode },
    mutationMethods: ['POST'],
    requireIdempotencyKey: false,
    ownership: {
      key: { header: 'X-Case-Id' },
      map: 'ns/owners',
      rules: [
        { prefix: 'JKT-', cluster: 'jkt' },
        { prefix: 'SGP-', cluster: 'sgp' },
      ],
      defaultClusters: ['jkt', 'sgp', 'tyo'],
      reads: 'Nearest',
      epoch,
      moved,
    },
  };
}

describe('gateway metrics the alerts read', { timeout: 60_000 }, () => {
  let jkt: TestBackend;
  let sgp: TestBackend;
  let tyo: TestBackend;
  let gw: TestGateway;
  const registry = new Registry();

  const ir = (p: TrafficPolicyIR): GatewayIR => ({
    listeners: [listener('127.0.0.1:0', [vhost('*', [rule('cases', 0, { backends: [backend('cases')] })])], { cluster: 'jkt', region: 'id' })],
    upstreams: [upstream('cases', [endpoint(jkt.port, 'jkt', { region: 'id' }), endpoint(sgp.port, 'sgp', { region: 'sg' }), endpoint(tyo.port, 'tyo', { region: 'jp' })], { policy: p.key })],
    policies: [p],
  });
  const values = async (name: string): Promise<Record<string, number>> => {
    const metric = registry.getSingleMetric(name);
    assert.ok(metric !== undefined, `${name} is registered`);
    const got = await metric.get();
    return Object.fromEntries(got.values.map((v) => [Object.entries(v.labels).map(([k, x]) => `${k}=${String(x)}`).sort().join(','), v.value]));
  };
  /** Sends and waits until the request has finished (its access log line is the last thing finish() does). */
  const request = async (method: string, key: string): Promise<string> => {
    const n = gw.lines.length;
    const r = await send(gw.port(), '/cases', { method, headers: { 'x-case-id': key }, ...(method === 'POST' ? { body: '{}' } : {}) });
    assert.equal(r.status, 200);
    await eventually(() => gw.lines.length > n);
    return r.json().backend;
  };

  before(async () => {
    [jkt, sgp, tyo] = await Promise.all([startBackend('jkt'), startBackend('sgp'), startBackend('tyo')]);
    gw = await startGateway(ir(policy('LocalPreferred')), { registry });
  });
  after(async () => {
    await gw.close();
    await Promise.all([jkt, sgp, tyo].map((b) => b.close()));
  });

  test('a mutation that a non-Owner locality mode sends away from its owner is counted by owner and destination', async () => {
    assert.equal(await request('POST', 'SGP-1'), 'jkt', 'LocalPreferred sends the mutation to the entry cluster');
    assert.equal(await request('POST', 'JKT-1'), 'jkt');
    assert.equal(await request('GET', 'SGP-1'), 'jkt', 'a read of an SGP key');
    assert.deepEqual(await values(ALERT_METRICS.nonOwnerMutations), { 'destination_cluster=jkt,owner=sgp': 1 });
  });

  test('Owner mode keeps it at 0, also after a failover move to the new owner', async () => {
    await gw.dp.apply(ir(policy('Owner')));
    assert.equal(await request('POST', 'SGP-2'), 'sgp');
    await gw.dp.apply(ir(policy('Owner', 2, [{ from: 'sgp', to: 'tyo' }])));
    assert.equal(await request('POST', 'SGP-3'), 'tyo', 'the new owner after failover');
    assert.deepEqual(await values(ALERT_METRICS.nonOwnerMutations), { 'destination_cluster=jkt,owner=sgp': 1 }, 'unchanged');
  });

  test('requests are counted by destination cluster and code class', async () => {
    const requests = await values(ALERT_METRICS.requests);
    assert.equal(requests['code_class=2xx,destination_cluster=jkt,route=ns/cases/0'], 3);
    assert.equal(requests['code_class=2xx,destination_cluster=sgp,route=ns/cases/0'], 1);
    assert.equal(requests['code_class=2xx,destination_cluster=tyo,route=ns/cases/0'], 1);
  });

  test('latency is a histogram by entry and destination cluster', async () => {
    // prom-client reports buckets, _sum and _count per label set: read the counts by name.
    const metric = registry.getSingleMetric('lintas_gateway_cluster_request_duration_seconds');
    const got = await metric?.get();
    const byPair = Object.fromEntries(
      (got?.values ?? []).filter((v) => metricNameOf(v) === 'lintas_gateway_cluster_request_duration_seconds_count').map((v) => [`${String(v.labels['entry_cluster'])}->${String(v.labels['destination_cluster'])}`, v.value]),
    );
    assert.deepEqual(byPair, { 'jkt->jkt': 3, 'jkt->sgp': 1, 'jkt->tyo': 1 });
  });
});

describe('the latency histogram by cluster pair', () => {
  test('keeps its label cardinality bounded: pairs past the limit share one series', async () => {
    const registry = new Registry();
    const m = createGatewayMetrics(registry, () => 0);
    for (let i = 0; i < MAX_CLUSTER_PAIRS + 200; i += 1) m.request('r', `dst-${String(i)}`, 'entry', 200, 1);
    m.request('r', '', 'entry', 404, 1);
    const got = await registry.getSingleMetric('lintas_gateway_cluster_request_duration_seconds')?.get();
    const pairs = (got?.values ?? []).filter((v) => metricNameOf(v)?.endsWith('_count') === true);
    assert.equal(pairs.length, MAX_CLUSTER_PAIRS + 1);
    assert.equal(pairs.find((v) => v.labels['destination_cluster'] === 'other')?.value, 201, 'the overflow, including the request without a destination');
  });

  test('the typed counters the console reads count requests, 5xx and latency buckets per pair, with the same bound', () => {
    const m = createGatewayMetrics(new Registry(), () => 0);
    m.request('r', 'sgp', 'jkt', 200, 0.3);
    m.request('r', 'sgp', 'jkt', 503, 40);
    m.request('r', '', 'jkt', 404, 0);
    m.request('r', 'sgp', 'jkt', 200, 60_000);
    const got = m.traffic();
    assert.equal(got.bucketBoundsMs.length + 1, got.pairs[0]?.buckets.length);
    assert.deepEqual(
      got.pairs.map((p) => ({ ...p, buckets: p.buckets.flatMap((n, i) => (n > 0 ? [`${String(got.bucketBoundsMs[i] ?? 'inf')}:${String(n)}`] : [])) })),
      [
        { entry: 'jkt', destination: 'none', requests: 1, errors5xx: 0, buckets: ['0.5:1'] },
        { entry: 'jkt', destination: 'sgp', requests: 3, errors5xx: 1, buckets: ['0.5:1', '50:1', 'inf:1'] },
      ],
    );
    for (let i = 0; i < MAX_CLUSTER_PAIRS + 5; i += 1) m.request('r', `dst-${String(i)}`, 'entry', 200, 1);
    const bounded = m.traffic().pairs;
    assert.equal(bounded.length, MAX_CLUSTER_PAIRS + 1);
    assert.equal(bounded.find((p) => p.entry === 'other')?.requests, 7, 'past the bound, pairs share "other"');
  });
});
