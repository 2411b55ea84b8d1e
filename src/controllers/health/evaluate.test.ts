import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HealthContractSpec } from '../../api/index.ts';
import { evaluateCluster, evaluateHealth, syntheticKey, type ClusterEvaluationInput } from './evaluate.ts';
import type { ClusterHealth, HealthTarget, ProbeResult, SyntheticRun, TargetEndpoint } from './types.ts';

const NOW = '2026-05-01T12:00:00.000Z';
const TARGET_REF = { kind: 'ServiceImport', name: 'public-case-api' };

function spec(extra: Record<string, unknown> = {}): HealthContractSpec {
  return HealthContractSpec.parse({ targetRef: TARGET_REF, ...extra });
}

const DB = { regional: { minReadyFraction: 0.5, dependencies: [{ name: 'case-db', http: { path: '/dependencies/db' } }] } };
const LAG = { failover: { replicationLag: { http: { path: '/replication-lag' }, maxSeconds: 5 } } };
const HEADROOM = { failover: { minHeadroomFraction: 0.3 } };
const SYNTHETIC = {
  synthetic: {
    interval: '15s',
    steps: [
      { method: 'POST', path: '/cases', expectStatus: 201 },
      { method: 'GET', path: '/cases/{{.id}}', expectStatus: 200 },
    ],
  },
};

function ep(n: number, ready = true): TargetEndpoint {
  return { address: `10.0.0.${n}`, port: 8080, ready };
}

function answer(n: number, path: string, status: number | undefined, body?: string, error?: string): ProbeResult {
  return { address: `10.0.0.${n}`, port: 8080, path, ...(status !== undefined ? { status } : {}), ...(body !== undefined ? { body } : {}), ...(error !== undefined ? { error } : {}) };
}

function run(input: Partial<ClusterEvaluationInput> & { spec: HealthContractSpec; endpoints: TargetEndpoint[] }): ClusterHealth {
  const { endpoints, ...rest } = input;
  return evaluateCluster({ target: { cluster: 'c1', endpoints }, probes: [], now: NOW, ...rest });
}

describe('ready layer', () => {
  const cases: [string, TargetEndpoint[], boolean, string][] = [
    ['no endpoints', [], false, '0/0'],
    ['none ready', [ep(1, false), ep(2, false)], false, '0/2'],
    ['one of two ready', [ep(1), ep(2, false)], true, '1/2'],
  ];
  for (const [name, endpoints, ok, value] of cases) {
    it(name, () => {
      const h = run({ spec: spec(), endpoints });
      assert.equal(h.ready.ok, ok);
      assert.equal(h.ready.checks[0]?.value, value);
      assert.equal(h.evaluatedAt, NOW);
    });
  }
});

describe('regional layer: ready fraction', () => {
  const cases: [string, number, TargetEndpoint[], boolean, string][] = [
    ['exactly at the threshold passes', 0.5, [ep(1), ep(2, false)], true, '1/2 = 0.5 ≥ 0.5'],
    ['just below fails', 0.5, [ep(1), ep(2, false), ep(3, false)], false, '1/3 = 0.33 < 0.5'],
    ['no endpoints fails', 0, [], false, 'no endpoints'],
    ['a threshold of 0 passes with none ready', 0, [ep(1, false)], true, '0/1 = 0 ≥ 0'],
    ['all ready at threshold 1', 1, [ep(1), ep(2)], true, '2/2 = 1 ≥ 1'],
  ];
  for (const [name, min, endpoints, ok, detail] of cases) {
    it(name, () => {
      const h = run({ spec: spec({ regional: { minReadyFraction: min } }), endpoints });
      assert.equal(h.regional.ok, ok);
      assert.deepEqual(h.regional.checks.map((c) => c.name), ['ready fraction']);
      assert.equal(h.regional.checks[0]?.detail, detail);
      assert.equal(h.regional.checks[0]?.threshold, min);
    });
  }
  it('defaults minReadyFraction to 0.5', () => {
    assert.equal(run({ spec: spec(), endpoints: [ep(1), ep(2, false), ep(3, false)] }).regional.ok, false);
  });
});

describe('regional layer: dependencies (majority of ready endpoints)', () => {
  const path = '/dependencies/db';
  const cases: [string, TargetEndpoint[], ProbeResult[], boolean, string][] = [
    ['all answer 2xx', [ep(1), ep(2)], [answer(1, path, 200), answer(2, path, 204)], true, '2/2 endpoints'],
    ['2 of 3 is a majority', [ep(1), ep(2), ep(3)], [answer(1, path, 200), answer(2, path, 200), answer(3, path, 503)], true, '2/3 endpoints'],
    ['exactly half is not a majority', [ep(1), ep(2)], [answer(1, path, 200), answer(2, path, 503)], false, '1/2 endpoints'],
    ['none', [ep(1), ep(2)], [answer(1, path, 503), answer(2, path, 500)], false, '0/2 endpoints'],
    ['an unreachable endpoint counts against', [ep(1), ep(2), ep(3)], [answer(1, path, 200), answer(2, path, undefined, undefined, 'ECONNREFUSED')], false, '1/3 endpoints'],
    ['a 200 cut off mid-body counts against', [ep(1)], [answer(1, path, 200, '', 'ECONNRESET')], false, '0/1 endpoints'],
    ['an endpoint that was not probed counts against', [ep(1), ep(2)], [answer(1, path, 200)], false, '1/2 endpoints'],
    ['not-ready endpoints are not asked', [ep(1), ep(2, false)], [answer(1, path, 200), answer(2, path, 503)], true, '1/1 endpoints'],
    ['no ready endpoint cannot pass', [ep(1, false)], [], false, 'no ready endpoint to probe'],
    ['another path does not count', [ep(1)], [answer(1, '/healthz', 200)], false, '0/1 endpoints'],
  ];
  for (const [name, endpoints, probes, ok, detail] of cases) {
    it(name, () => {
      const h = run({ spec: spec({ regional: { minReadyFraction: 0, dependencies: DB.regional.dependencies } }), endpoints, probes });
      assert.equal(h.regional.ok, ok);
      const dep = h.regional.checks.find((c) => c.name === 'dependency case-db');
      assert.equal(dep?.ok, ok);
      assert.equal(dep.detail, detail);
    });
  }
  it('needs both the fraction and every dependency', () => {
    const deps = { regional: { minReadyFraction: 0.5, dependencies: [...DB.regional.dependencies, { name: 'broker', http: { path: '/dependencies/broker' } }] } };
    const h = run({ spec: spec(deps), endpoints: [ep(1), ep(2)], probes: [answer(1, path, 200), answer(2, path, 200), answer(1, '/dependencies/broker', 503), answer(2, '/dependencies/broker', 200)] });
    assert.equal(h.regional.ok, false);
    assert.deepEqual(
      h.regional.checks.map((c) => [c.name, c.ok]),
      [
        ['ready fraction', true],
        ['dependency case-db', true],
        ['dependency broker', false],
      ],
    );
  });
});

describe('failover layer', () => {
  const path = '/replication-lag';
  it('is null when not configured', () => {
    const h = run({ spec: spec(), endpoints: [ep(1)] });
    assert.deepEqual(h.failover, { ok: null, checks: [] });
  });
  const lagCases: [string, ProbeResult[], boolean, number | undefined, RegExp][] = [
    ['the max of the reported lags', [answer(1, path, 200, '1'), answer(2, path, 200, '4.5\n')], true, 4.5, /^4\.5s ≤ 5s$/],
    ['exactly maxSeconds passes', [answer(1, path, 200, '5'), answer(2, path, 200, '0')], true, 5, /^5s ≤ 5s$/],
    ['above maxSeconds fails', [answer(1, path, 200, '5.01'), answer(2, path, 200, '0')], false, 5.01, /^5\.01s > 5s$/],
    ['an unreachable endpoint fails', [answer(1, path, 200, '0'), answer(2, path, undefined, undefined, 'timeout after 500ms')], false, undefined, /10\.0\.0\.2:8080 unreachable \(timeout after 500ms\)/],
    ['a non-2xx answer fails', [answer(1, path, 500, '0'), answer(2, path, 200, '0')], false, undefined, /10\.0\.0\.1:8080 answered 500/],
    ['a body that is not a number fails', [answer(1, path, 200, 'ok'), answer(2, path, 200, '0')], false, undefined, /not a number of seconds/],
    ['an empty body fails', [answer(1, path, 200, ''), answer(2, path, 200, '0')], false, undefined, /not a number of seconds/],
    ['a negative lag fails', [answer(1, path, 200, '-1'), answer(2, path, 200, '0')], false, undefined, /not a number of seconds/],
    ['an endpoint that was not probed fails', [answer(1, path, 200, '0')], false, undefined, /10\.0\.0\.2:8080 not probed/],
  ];
  for (const [name, probes, ok, value, detail] of lagCases) {
    it(`replication lag: ${name}`, () => {
      const h = run({ spec: spec(LAG), endpoints: [ep(1), ep(2), ep(3, false)], probes });
      assert.equal(h.failover.ok, ok);
      assert.equal(h.failover.checks.length, 1);
      const check = h.failover.checks[0];
      assert.equal(check?.name, 'replication lag');
      assert.equal(check.value, value);
      assert.equal(check.threshold, 5);
      assert.match(check.detail ?? '', detail);
    });
  }
  it('replication lag: no ready endpoint fails', () => {
    const h = run({ spec: spec(LAG), endpoints: [ep(1, false)] });
    assert.equal(h.failover.ok, false);
    assert.equal(h.failover.checks[0]?.detail, 'no ready endpoint to ask');
  });

  const headroomCases: [string, { capacity?: number; observedRps?: number } | undefined, boolean, number | undefined, string][] = [
    ['exactly the minimum passes (70 of 100)', { capacity: 100, observedRps: 70 }, true, 0.3, '0.3 ≥ 0.3 (70 of 100 rps)'],
    ['just below fails (71 of 100)', { capacity: 100, observedRps: 71 }, false, 0.29, '0.29 < 0.3 (71 of 100 rps)'],
    ['unknown capacity fails', { observedRps: 10 }, false, undefined, 'capacity unknown'],
    ['no context at all fails', undefined, false, undefined, 'capacity unknown'],
    ['capacity 0 fails', { capacity: 0 }, false, 0, 'capacity 0'],
    ['unknown load counts as none', { capacity: 80 }, true, 1, '1 ≥ 0.3 (load unknown, taken as 0 of 80 rps)'],
    ['overload is negative headroom', { capacity: 40, observedRps: 60 }, false, -0.5, '-0.5 < 0.3 (60 of 40 rps)'],
  ];
  for (const [name, context, ok, value, detail] of headroomCases) {
    it(`headroom: ${name}`, () => {
      const h = run({ spec: spec(HEADROOM), endpoints: [ep(1)], ...(context !== undefined ? { context } : {}) });
      assert.equal(h.failover.ok, ok);
      assert.deepEqual(h.failover.checks, [{ name: 'headroom', ok, ...(value !== undefined ? { value } : {}), threshold: 0.3, detail }]);
    });
  }
  it('needs both lag and headroom', () => {
    const both = { failover: { ...LAG.failover, ...HEADROOM.failover } };
    const h = run({ spec: spec(both), endpoints: [ep(1)], probes: [answer(1, path, 200, '1')], context: { capacity: 100, observedRps: 90 } });
    assert.equal(h.failover.ok, false);
    assert.deepEqual(
      h.failover.checks.map((c) => [c.name, c.ok]),
      [
        ['replication lag', true],
        ['headroom', false],
      ],
    );
  });
  it('an empty failover section passes vacuously', () => {
    assert.deepEqual(run({ spec: spec({ failover: {} }), endpoints: [] }).failover, { ok: true, checks: [] });
  });
});

describe('business layer', () => {
  const at = NOW;
  it('is null without a synthetic transaction', () => {
    assert.deepEqual(run({ spec: spec(), endpoints: [ep(1)] }).business, { ok: null, checks: [] });
  });
  const cases: [string, SyntheticRun | undefined, boolean, [string, boolean, string | undefined][]][] = [
    ['no run yet fails', undefined, false, [['synthetic', false, 'not run yet']]],
    ['a run that could not start fails', { at, error: 'no ready endpoint', steps: [] }, false, [['synthetic', false, 'no ready endpoint']]],
    [
      'every step as expected passes',
      {
        at,
        endpoint: '10.0.0.1:8080',
        steps: [
          { method: 'POST', path: '/cases', expectStatus: 201, status: 201 },
          { method: 'GET', path: '/cases/c-1', expectStatus: 200, status: 200 },
        ],
      },
      true,
      [
        ['step 1 POST /cases', true, 'answered 201'],
        ['step 2 GET /cases/{{.id}}', true, 'answered 200'],
      ],
    ],
    [
      'a wrong status fails and names the step',
      {
        at,
        steps: [
          { method: 'POST', path: '/cases', expectStatus: 201, status: 201 },
          { method: 'GET', path: '/cases/c-1', expectStatus: 200, status: 500 },
        ],
      },
      false,
      [
        ['step 1 POST /cases', true, 'answered 201'],
        ['step 2 GET /cases/{{.id}}', false, 'answered 500, want 200'],
      ],
    ],
    [
      'steps after a failure did not run',
      { at, steps: [{ method: 'POST', path: '/cases', expectStatus: 201, error: 'ECONNREFUSED' }] },
      false,
      [
        ['step 1 POST /cases', false, 'unreachable (ECONNREFUSED)'],
        ['step 2 GET /cases/{{.id}}', false, 'not run: an earlier step failed'],
      ],
    ],
    [
      'an unfillable template stops the run',
      { at, error: 'step 2: /cases/{{.id}} needs .id, which the previous answer does not have', steps: [{ method: 'POST', path: '/cases', expectStatus: 201, status: 201 }] },
      false,
      [
        ['step 1 POST /cases', true, 'answered 201'],
        ['step 2 GET /cases/{{.id}}', false, 'step 2: /cases/{{.id}} needs .id, which the previous answer does not have'],
      ],
    ],
  ];
  for (const [name, synthetic, ok, checks] of cases) {
    it(name, () => {
      const h = run({ spec: spec(SYNTHETIC), endpoints: [ep(1)], ...(synthetic !== undefined ? { synthetic } : {}) });
      assert.equal(h.business.ok, ok);
      assert.deepEqual(
        h.business.checks.map((c) => [c.name, c.ok, c.detail]),
        checks,
      );
    });
  }
});

describe('evaluateHealth', () => {
  it('sorts services and clusters and routes synthetic runs and context by key', () => {
    const t = (contract: string, service: string, clusters: string[]): HealthTarget => ({
      contract,
      service,
      kind: 'ServiceImport',
      spec: spec({ ...HEADROOM, ...SYNTHETIC }),
      clusters: clusters.map((cluster) => ({ cluster, endpoints: [ep(1)] })),
    });
    const report = evaluateHealth({
      targets: [t('search/z', 'search/api', ['c2', 'c1']), t('cases/b', 'cases/api', ['c1']), t('cases/a', 'cases/api', ['c1']), t('cases-x/a', 'cases-x/api', [])],
      probes: [],
      synthetic: { [syntheticKey('search/z', 'c2')]: { at: NOW, error: 'no ready endpoint', steps: [] } },
      context: { c1: { capacity: 10, observedRps: 1 } },
      now: NOW,
    });
    assert.equal(report.generatedAt, NOW);
    assert.deepEqual(
      report.services.map((s) => [s.contract, s.clusters.map((c) => c.cluster)]),
      [
        ['cases/a', ['c1']],
        ['cases/b', ['c1']],
        ['cases-x/a', []],
        ['search/z', ['c1', 'c2']],
      ],
    );
    const search = report.services[3];
    assert.equal(search?.clusters[1]?.business.checks[0]?.detail, 'no ready endpoint');
    assert.equal(search.clusters[0]?.business.checks[0]?.detail, 'not run yet');
    assert.equal(search.clusters[0]?.failover.ok, true);
    assert.equal(search.clusters[1]?.failover.checks[0]?.detail, 'capacity unknown');
  });
});
