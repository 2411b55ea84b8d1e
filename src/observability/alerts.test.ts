/**
 * The metric alert evaluator: tables of sample histories and the alerts they
 * raise, window bases, counter resets, the minimum request count, and the
 * history bookkeeping of advanceAlerts (since, fired edges, bounded samples).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  advanceAlerts,
  CERTIFICATE_EXPIRY_THRESHOLD_SECONDS,
  EMPTY_ALERT_STATE,
  ENDPOINT_AGE_THRESHOLD_SECONDS,
  ERROR_RATE_MIN_REQUESTS,
  ERROR_RATE_WINDOW_MS,
  metricAlerts,
  MIN_SAMPLE_GAP_MS,
  type AlertSample,
  type AlertState,
} from './alerts.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;

/** A sample at `minute` with requests `dest:class=n`, non-owner mutations `owner>dest=n` and ages `cluster=s`. */
function at(minute: number, spec: { req?: Record<string, number>; mut?: Record<string, number>; age?: Record<string, number>; config?: { errors: number; lastSuccess: number } } = {}): AlertSample {
  return {
    ...(spec.config !== undefined ? { configErrors: spec.config.errors, configLastSuccessSeconds: spec.config.lastSuccess } : {}),
    at: T0 + minute * MIN,
    requests: Object.entries(spec.req ?? {}).map(([k, value]) => {
      const [destinationCluster = '', codeClass = ''] = k.split(':');
      return { destinationCluster, codeClass, value };
    }),
    nonOwnerMutations: Object.entries(spec.mut ?? {}).map(([k, value]) => {
      const [owner = '', destinationCluster = ''] = k.split('>');
      return { owner, destinationCluster, value };
    }),
    endpointAges: Object.entries(spec.age ?? {}).map(([cluster, seconds]) => ({ cluster, seconds })),
  };
}

/** `alert cluster[ owner] value` per active alert. */
const brief = (samples: readonly AlertSample[]): string[] =>
  metricAlerts(samples).map((a) => `${a.alert} ${a.cluster}${a.owner !== undefined ? ` ${a.owner}` : ''} ${String(Math.round(a.value * 1000) / 1000)}`);

const cases: { name: string; samples: AlertSample[]; want: string[] }[] = [
  { name: 'no samples', samples: [], want: [] },
  { name: 'one sample: no window yet, so no increase', samples: [at(0, { mut: { 'sgp>jkt': 3 }, req: { 'jkt:5xx': 500 } })], want: [] },
  { name: 'a non-owner mutation inside the window', samples: [at(0, { mut: { 'sgp>jkt': 1 } }), at(1, { mut: { 'sgp>jkt': 2 } })], want: ['MutationToNonOwner jkt sgp 1'] },
  { name: 'a non-owner series that appears counts from 0', samples: [at(0), at(1, { mut: { 'sgp>jkt': 1 } })], want: ['MutationToNonOwner jkt sgp 1'] },
  { name: 'no increase: quiet', samples: [at(0, { mut: { 'sgp>jkt': 4 } }), at(3, { mut: { 'sgp>jkt': 4 } })], want: [] },
  {
    name: 'an increase older than the 5 m window has left it',
    samples: [at(0, { mut: { 'sgp>jkt': 1 } }), at(1, { mut: { 'sgp>jkt': 2 } }), at(7, { mut: { 'sgp>jkt': 2 } })],
    want: [],
  },
  { name: 'a counter reset counts from 0', samples: [at(0, { mut: { 'sgp>jkt': 9 } }), at(1, { mut: { 'sgp>jkt': 2 } })], want: ['MutationToNonOwner jkt sgp 2'] },
  {
    name: 'pairs are separate alerts, sorted by cluster then owner',
    samples: [at(0), at(1, { mut: { 'tyo>sgp': 1, 'sgp>jkt': 1, 'jkt>sgp': 2 } })],
    want: ['MutationToNonOwner jkt sgp 1', 'MutationToNonOwner sgp jkt 2', 'MutationToNonOwner sgp tyo 1'],
  },
  { name: '5xx above 2 % with enough requests', samples: [at(0), at(5, { req: { 'jkt:2xx': 97, 'jkt:5xx': 3 } })], want: ['DestinationErrorRateHigh jkt 0.03'] },
  { name: 'exactly 2 % does not fire', samples: [at(0), at(5, { req: { 'jkt:2xx': 98, 'jkt:5xx': 2 } })], want: [] },
  { name: '1 error of 3 requests is under the minimum count', samples: [at(0), at(5, { req: { 'jkt:2xx': 2, 'jkt:5xx': 1 } })], want: [] },
  {
    name: `at the minimum (${String(ERROR_RATE_MIN_REQUESTS)} requests) it counts`,
    samples: [at(0), at(5, { req: { 'sgp:2xx': ERROR_RATE_MIN_REQUESTS - 10, 'sgp:5xx': 10 } })],
    want: ['DestinationErrorRateHigh sgp 0.1'],
  },
  {
    name: 'the ratio is over the window, not since start',
    samples: [at(0, { req: { 'jkt:2xx': 10_000, 'jkt:5xx': 0 } }), at(6, { req: { 'jkt:2xx': 10_100, 'jkt:5xx': 0 } }), at(11, { req: { 'jkt:2xx': 10_200, 'jkt:5xx': 50 } })],
    want: ['DestinationErrorRateHigh jkt 0.333'],
  },
  { name: '4xx are not errors of the destination', samples: [at(0), at(5, { req: { 'jkt:2xx': 50, 'jkt:4xx': 150 } })], want: [] },
  { name: 'requests that were not proxied (no destination) are left out', samples: [at(0), at(5, { req: { ':5xx': 500, ':2xx': 1 } })], want: [] },
  { name: 'per destination: a bad cluster does not hide behind a good one', samples: [at(0), at(5, { req: { 'jkt:2xx': 10_000, 'sgp:2xx': 90, 'sgp:5xx': 30 } })], want: ['DestinationErrorRateHigh sgp 0.25'] },
  { name: 'endpoint age above 10 m', samples: [at(0, { age: { sgp: ENDPOINT_AGE_THRESHOLD_SECONDS + 1, jkt: 0 } })], want: ['ImportedEndpointsStale sgp 601'] },
  { name: 'endpoint age at 10 m does not fire', samples: [at(0, { age: { sgp: ENDPOINT_AGE_THRESHOLD_SECONDS } })], want: [] },
  { name: 'age comes from the newest sample only', samples: [at(0, { age: { sgp: 9999 } }), at(1, { age: { sgp: 3 } })], want: [] },
  { name: 'config errors fire on the first sample that has them', samples: [at(0, { config: { errors: 2, lastSuccess: T0 / 1000 - 60 } })], want: ['ConfigLoadFailing  2'] },
  { name: 'a clean config load does not fire', samples: [at(0, { config: { errors: 2, lastSuccess: 1 } }), at(1, { config: { errors: 0, lastSuccess: T0 / 1000 } })], want: [] },
  {
    name: 'all three, sorted by alert name',
    samples: [at(0), at(5, { mut: { 'sgp>jkt': 1 }, req: { 'tyo:5xx': 200 }, age: { jkt: 700 } })],
    want: ['DestinationErrorRateHigh tyo 1', 'ImportedEndpointsStale jkt 700', 'MutationToNonOwner jkt sgp 1'],
  },
];

describe('metricAlerts', () => {
  for (const c of cases) it(c.name, () => assert.deepEqual(brief(c.samples), c.want));

  it('says what, where, how much and the threshold', () => {
    const [a] = metricAlerts([at(0), at(5, { req: { 'jkt:2xx': 96, 'jkt:5xx': 4 } })]);
    assert.deepEqual(a, {
      alert: 'DestinationErrorRateHigh',
      severity: 'warning',
      cluster: 'jkt',
      message: '4.0 % of 100 requests proxied to jkt answered 5xx in the last 5.0 m (threshold 2.0 %)',
      value: 0.04,
      threshold: 0.02,
    });
    const [c] = metricAlerts([at(0, { config: { errors: 3, lastSuccess: T0 / 1000 } })]);
    assert.equal(c?.message, 'the fleet config has 3 error(s) and its changes are not applied; serving the last good config from 2026-01-01T00:00:00.000Z (lintas validate shows the errors)');
    const [m] = metricAlerts([at(0), at(1, { mut: { 'sgp>jkt': 2 } })]);
    assert.equal(m?.severity, 'critical');
    assert.equal(m?.threshold, 0);
    assert.match(m?.message ?? '', /^2 mutation\(s\) owned by sgp were proxied to jkt .* outside a failover window/);
  });
});

describe('advanceAlerts', () => {
  const run = (samples: readonly AlertSample[], state: AlertState = EMPTY_ALERT_STATE) => {
    let s = state;
    const steps = samples.map((sample) => {
      const step = advanceAlerts(s, sample);
      s = step.state;
      return step;
    });
    return { steps, state: s };
  };

  it('keeps the first time an alert held as since, and reports each edge once', () => {
    const { steps } = run([at(0), at(1, { mut: { 'sgp>jkt': 1 } }), at(2, { mut: { 'sgp>jkt': 1 } }), at(7, { mut: { 'sgp>jkt': 1 } }), at(8, { mut: { 'sgp>jkt': 2 } })]);
    assert.deepEqual(steps.map((s) => s.active.map((a) => a.since)), [
      [],
      ['2026-01-01T00:01:00.000Z'],
      ['2026-01-01T00:01:00.000Z'],
      [],
      ['2026-01-01T00:08:00.000Z'],
    ]);
    assert.deepEqual(steps.map((s) => s.fired.map((f) => f.at)), [[], ['2026-01-01T00:01:00.000Z'], [], [], ['2026-01-01T00:08:00.000Z']]);
  });

  it('keeps only what the window needs (bounded history, base kept)', () => {
    const samples = Array.from({ length: 120 }, (_, i) => at(i * 0.25, { req: { 'jkt:2xx': i * 10 } }));
    const { state } = run(samples);
    const newest = samples[samples.length - 1]?.at ?? 0;
    assert.ok(state.samples.length <= ERROR_RATE_WINDOW_MS / (0.25 * MIN) + 2, `kept ${String(state.samples.length)}`);
    assert.ok(state.samples.some((s) => s.at <= newest - ERROR_RATE_WINDOW_MS), 'the base of the window is kept');
    assert.equal(state.samples.filter((s) => s.at < newest - ERROR_RATE_WINDOW_MS).length, 0);
  });

  it('evaluates but does not keep a sample closer than the minimum gap, so a window base never moves', () => {
    const first = advanceAlerts(EMPTY_ALERT_STATE, at(0));
    const close = advanceAlerts(first.state, { ...at(0, { mut: { 'sgp>jkt': 1 } }), at: T0 + MIN_SAMPLE_GAP_MS / 2 });
    assert.equal(close.active.length, 1, 'the fresh reading is evaluated');
    assert.equal(close.state.samples.length, 1, 'but not kept');
    const later = advanceAlerts(close.state, at(1, { mut: { 'sgp>jkt': 1 } }));
    assert.equal(later.active.length, 1, 'the increase is still measured from the first sample');
    assert.equal(later.active[0]?.since, new Date(T0 + MIN_SAMPLE_GAP_MS / 2).toISOString());
    assert.equal(later.fired.length, 0);
  });

  it('drops history newer than a sample from a clock that went back', () => {
    const { state } = run([at(0), at(1), at(2)]);
    const back = advanceAlerts(state, at(1.5));
    assert.deepEqual(back.state.samples.map((s) => (s.at - T0) / MIN), [0, 1, 1.5]);
  });
});

describe('CertificateExpiringSoon', () => {
  it('fires per certificate with less than 14 days left (or expired), never for one with more', () => {
    const now = T0 / 1000;
    const day = 86_400;
    const sample: AlertSample = {
      ...at(0),
      certificates: [
        { cluster: 'jkt', secret: 'edge/fresh', notAfterSeconds: now + 20 * day },
        { cluster: 'jkt', secret: 'edge/soon', notAfterSeconds: now + 9.5 * day },
        { cluster: 'sgp', secret: 'edge/expired', notAfterSeconds: now - day },
        { cluster: 'jkt', secret: 'edge/edge', notAfterSeconds: now + CERTIFICATE_EXPIRY_THRESHOLD_SECONDS },
      ],
    };
    const alerts = metricAlerts([sample]);
    assert.deepEqual(
      alerts.map((a) => `${a.alert} ${a.cluster} ${a.certificate ?? ''} ${String(Math.round(a.value / day))}`),
      ['CertificateExpiringSoon jkt edge/soon 10', 'CertificateExpiringSoon sgp edge/expired -1'],
    );
    assert.match(alerts[0]?.message ?? '', /expires at .* in 9\.5 days \(threshold 14\.0 days\)/);
    assert.match(alerts[1]?.message ?? '', /expired at/);
  });
});
