/**
 * Issue 14 item 11: with health checks, an endpoint that comes back (re-added
 * to its EndpointSlice, ready again, or at the end of an ejection) takes
 * traffic only after a passing check, Envoy's `ignore_new_hosts_until_first_hc`;
 * with `slowStart` its share then ramps up (Envoy's slow_start_config). The
 * probes are a stand-in the test answers, and the clock is a fake one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthCheckIR, OutlierDetectionIR, SlowStartIR, UpstreamEndpointIR } from '../../../ir/index.ts';
import { silentLogger } from '../../../observability/index.ts';
import { chooseWeighted } from './balancer.ts';
import { applyCheckResult, awaitCheck, newCheckState, type ProbeFn, type ProbeResult } from './health-check.ts';
import { slowStartWeight } from './slow-start.ts';
import { ep, fakeClock, seededRandom, upstream, waitFor } from './test-support.ts';
import type { HealthEvent, UpstreamSet } from './types.ts';
import { createUpstreamSet } from './upstream-set.ts';

const KEY = 'ServiceImport/ns/svc:8080';
const CTX = { entryCluster: 'jkt' };
// A long interval (and the jitter of a first probe is a share of it): the only probes a test sees are
// the ones a return triggers, probed at once.
const HC: HealthCheckIR = { path: '/healthz', intervalMs: 600_000, timeoutMs: 1000, unhealthyThreshold: 2, healthyThreshold: 2 };
const OUTLIER: OutlierDetectionIR = { consecutive5xx: 5, consecutiveGatewayErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 1000, maxEjectionTimeMs: 10_000, maxEjectionPercent: 100 };
const A = ep('10.0.0.1', 'jkt');
const B = ep('10.0.0.2', 'jkt');
const B_KEY = '10.0.0.2:8080';

/** Probes that wait until the test answers them. */
function heldProbes() {
  const open: { key: string; answer: (ok: boolean) => void }[] = [];
  const probe: ProbeFn = (address, port) => {
    let settle: (r: ProbeResult) => void = () => undefined;
    const result = new Promise<ProbeResult>((resolve) => {
      settle = resolve;
    });
    const entry = { key: `${address}:${String(port)}`, answer: (ok: boolean) => settle({ ok, detail: ok ? 'status 200' : 'status 503' }) };
    open.push(entry);
    return { result, cancel: () => settle({ ok: false, detail: 'cancelled' }) };
  };
  /** Answers the oldest open probe of `key` once it is sent. */
  const answer = async (key: string, ok: boolean): Promise<void> => {
    assert.ok(await waitFor(() => open.some((p) => p.key === key)), `a probe of ${key} is sent`);
    const i = open.findIndex((p) => p.key === key);
    open.splice(i, 1)[0]?.answer(ok);
  };
  return { probe, open, answer };
}

function setup(slowStart?: SlowStartIR) {
  const clock = fakeClock();
  const probes = heldProbes();
  const events: HealthEvent[] = [];
  const set = createUpstreamSet({ log: silentLogger, random: seededRandom(3), now: clock.now, healthCheck: { probe: probes.probe } });
  set.onHealthEvent((e) => events.push(e));
  const install = (...endpoints: UpstreamEndpointIR[]) =>
    set.update([upstream(endpoints, { healthCheck: HC, outlierDetection: OUTLIER, ...(slowStart !== undefined ? { slowStart } : {}) })]);
  return { set, clock, probes, events, install };
}

/** Share of `n` picks that went to B. */
function shareOfB(set: UpstreamSet, n: number): number {
  let b = 0;
  for (let i = 0; i < n; i += 1) if (set.pick(KEY, CTX)?.key === B_KEY) b += 1;
  return b / n;
}

const bView = (set: UpstreamSet) => set.explain(KEY, CTX)?.endpoints.find((e) => e.key === B_KEY);
const healthyEvent = (events: HealthEvent[]) => () => events.some((e) => e.endpoint.key === B_KEY && e.kind === 'healthy');

describe('returning endpoints wait for a passing health check', () => {
  it('an endpoint re-added to its EndpointSlice gets no traffic until its first check passes', async () => {
    const { set, probes, events, install } = setup();
    try {
      install(A, B);
      assert.ok(shareOfB(set, 400) > 0.3, 'both serve at first (endpoints of a new upstream start healthy)');
      install(A);
      install(A, B);
      assert.equal(shareOfB(set, 400), 0, 'not before its first check');
      assert.deepEqual(bView(set), { ...bView(set), healthy: false, awaitingHealthCheck: true });
      // Waiting endpoints are left out of the level counts: A alone is a fully healthy level, no spill, no panic.
      assert.deepEqual(set.explain(KEY, CTX)?.priorityLoad, [0, 100, 0, 0]);
      await probes.answer(B_KEY, true);
      assert.ok(await waitFor(healthyEvent(events)), 'its first passing check makes it healthy');
      assert.ok(shareOfB(set, 400) > 0.3, 'then it takes its share');
    } finally {
      set.close();
    }
  });

  it('an endpoint whose ejection time ends waits for a passing check (probed at once)', async () => {
    const { set, clock, probes, events, install } = setup();
    try {
      install(A, B);
      set.onAttemptStart(KEY, { key: B_KEY, address: '10.0.0.2', port: 8080, cluster: 'jkt' });
      set.onAttemptEnd(KEY, { key: B_KEY, address: '10.0.0.2', port: 8080, cluster: 'jkt' }, { error: 'connect' });
      assert.equal(bView(set)?.ejected, true);
      clock.advance(OUTLIER.baseEjectionTimeMs);
      assert.equal(shareOfB(set, 400), 0, 'the ejection is over, but no check has passed since');
      assert.equal(bView(set)?.awaitingHealthCheck, true);
      assert.match(events.find((e) => e.kind === 'unejected')?.reason ?? '', /after a passing health check/);
      await probes.answer(B_KEY, false);
      assert.ok(await waitFor(() => bView(set)?.awaitingHealthCheck === undefined), 'the failed check is counted');
      assert.equal(shareOfB(set, 400), 0, 'a failed check keeps it out');
    } finally {
      set.close();
    }
  });

  it('an endpoint that becomes ready again waits for a passing check', async () => {
    const { set, probes, events, install } = setup();
    try {
      install(A, { ...B, ready: false, serving: false });
      install(A, B);
      assert.equal(shareOfB(set, 400), 0);
      await probes.answer(B_KEY, true);
      assert.ok(await waitFor(healthyEvent(events)));
      assert.ok(shareOfB(set, 400) > 0.3);
    } finally {
      set.close();
    }
  });

  it('the first check decides alone; after a failure the usual thresholds apply', () => {
    const s = newCheckState();
    awaitCheck(s);
    assert.equal(applyCheckResult(s, true, HC), 'healthy', 'one pass, although healthyThreshold is 2');
    awaitCheck(s);
    assert.equal(applyCheckResult(s, false, HC), undefined);
    assert.deepEqual(s, { healthy: false, pending: false, passes: 0, fails: 1 });
    assert.equal(applyCheckResult(s, true, HC), undefined);
    assert.equal(applyCheckResult(s, true, HC), 'healthy');
  });
});

describe('slow start', () => {
  const SLOW: SlowStartIR = { windowMs: 10_000, aggression: 1, minWeightPercent: 10 };

  it('weights ramp from the minimum to 1 over the window', () => {
    const cases: readonly (readonly [SlowStartIR, number | undefined, number, number])[] = [
      [SLOW, undefined, 0, 1],
      [SLOW, 0, 0, 0.1],
      [SLOW, 0, 500, 0.1],
      [SLOW, 0, 5000, 0.5],
      [SLOW, 0, 9999, 0.9999],
      [SLOW, 0, 10_000, 1],
      [{ ...SLOW, aggression: 2 }, 0, 2500, 0.5],
      [{ ...SLOW, minWeightPercent: 50 }, 0, 1000, 0.5],
    ];
    for (const [config, since, now, want] of cases) assert.equal(slowStartWeight(config, since, now), want, `${JSON.stringify(config)} at ${String(now)}`);
  });

  it('one weighted draw by weight / (active + 1)', () => {
    const random = seededRandom(1);
    const a = { ref: { key: 'a', address: 'a', port: 1, cluster: 'c' }, active: 0 };
    const b = { ref: { key: 'b', address: 'b', port: 1, cluster: 'c' }, active: 0 };
    const busy = { ...a, active: 3 };
    const count = (pair: readonly (typeof a)[], weight: (e: typeof a) => number) => {
      let n = 0;
      for (let i = 0; i < 4000; i += 1) if (chooseWeighted(pair, random, weight) === pair[1]) n += 1;
      return n / 4000;
    };
    const bShare = count([a, b], (e) => (e === b ? 0.25 : 1));
    assert.ok(bShare > 0.17 && bShare < 0.23, `0.25 / 1.25 = 20 %, got ${String(bShare)}`);
    const vsBusy = count([busy, b], () => 1);
    assert.ok(vsBusy > 0.75 && vsBusy < 0.85, `1 vs 1/4: 80 %, got ${String(vsBusy)}`);
  });

  it('a returning endpoint ramps up its share after its first passing check (fake clock)', async () => {
    const { set, clock, probes, events, install } = setup(SLOW);
    try {
      install(A, B);
      const first = shareOfB(set, 2000);
      assert.ok(first > 0.44 && first < 0.56, `endpoints of a new upstream do not ramp: ${String(first)}`);
      install(A);
      install(A, B);
      await probes.answer(B_KEY, true);
      assert.ok(await waitFor(healthyEvent(events)));
      const start = shareOfB(set, 4000);
      assert.ok(start > 0.06 && start < 0.12, `0.1 / 1.1 ≈ 9 % at first, got ${String(start)}`);
      clock.advance(5000);
      assert.equal(bView(set)?.slowStartWeight, 0.5);
      const half = shareOfB(set, 4000);
      assert.ok(half > 0.28 && half < 0.39, `0.5 / 1.5 ≈ 33 % half-way, got ${String(half)}`);
      clock.advance(5000);
      assert.equal(bView(set)?.slowStartWeight, undefined);
      const full = shareOfB(set, 4000);
      assert.ok(full > 0.44 && full < 0.56, `its full share after the window, got ${String(full)}`);
    } finally {
      set.close();
    }
  });

  it('without health checks the ramp starts when the endpoint comes back', () => {
    const clock = fakeClock();
    const set = createUpstreamSet({ log: silentLogger, random: seededRandom(4), now: clock.now, healthCheck: { enabled: false } });
    try {
      set.update([upstream([A, B], { slowStart: SLOW })]);
      set.update([upstream([A], { slowStart: SLOW })]);
      set.update([upstream([A, B], { slowStart: SLOW })]);
      const start = shareOfB(set, 4000);
      assert.ok(start > 0.06 && start < 0.12, `re-added: ≈ 9 % at first, got ${String(start)}`);
      clock.advance(10_000);
      const full = shareOfB(set, 4000);
      assert.ok(full > 0.44 && full < 0.56, String(full));
    } finally {
      set.close();
    }
  });
});
