import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'js-yaml';
import { HealthContract } from './health-contract.ts';
import { lookupKind, resolveKindName } from './kinds.ts';

type Spec = Record<string, unknown>;

/** The HealthContract of issue 5, verbatim. */
const ISSUE_EXAMPLE = `
apiVersion: lintas.dev/v1alpha1
kind: HealthContract
metadata: { name: cases, namespace: cases }
spec:
  targetRef: { group: multicluster.x-k8s.io, kind: ServiceImport, name: public-case-api }
  regional:
    minReadyFraction: 0.5
    dependencies: [{ name: case-db, http: { path: /dependencies/db } }]   # probed on the service's endpoints in each cluster
  failover:
    replicationLag: { http: { path: /replication-lag }, maxSeconds: 5 }    # body: a number of seconds
    minHeadroomFraction: 0.3
  synthetic:
    interval: 15s
    steps: [{ method: POST, path: /cases, expectStatus: 201 }, { method: GET, path: "/cases/{{.id}}", expectStatus: 200 }]
`;

const manifest = (spec: Spec): unknown => ({
  apiVersion: 'lintas.dev/v1alpha1',
  kind: 'HealthContract',
  metadata: { name: 'cases', namespace: 'cases' },
  spec: { targetRef: { kind: 'ServiceImport', name: 'public-case-api' }, ...spec },
});

function problems(spec: Spec): string[] {
  const r = HealthContract.safeParse(manifest(spec));
  return r.success ? [] : r.error.issues.map((i) => `.${i.path.join('.')}: ${i.message}`);
}

describe('HealthContract schema', () => {
  it("accepts the issue's example verbatim", () => {
    const c = HealthContract.parse(load(ISSUE_EXAMPLE));
    assert.deepEqual(c.spec.regional, { minReadyFraction: 0.5, dependencies: [{ name: 'case-db', http: { path: '/dependencies/db' } }] });
    assert.deepEqual(c.spec.failover, { replicationLag: { http: { path: '/replication-lag' }, maxSeconds: 5 }, minHeadroomFraction: 0.3 });
    assert.equal(c.spec.synthetic?.steps[1]?.path, '/cases/{{.id}}');
  });

  it('fills in defaults for a minimal contract', () => {
    const c = HealthContract.parse(manifest({}));
    assert.deepEqual(c.spec, { targetRef: { group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'public-case-api' }, regional: { minReadyFraction: 0.5, dependencies: [] } });
    assert.deepEqual(HealthContract.parse(manifest({ targetRef: { kind: 'Service', name: 'x' } })).spec.targetRef, { group: '', kind: 'Service', name: 'x' });
  });

  const INVALID: ReadonlyArray<readonly [string, Spec, readonly string[]]> = [
    ['an HTTPRoute target', { targetRef: { kind: 'HTTPRoute', name: 'x' } }, ['.spec.targetRef.kind:']],
    ['a Service in the MCS group', { targetRef: { group: 'multicluster.x-k8s.io', kind: 'Service', name: 'x' } }, ['.spec.targetRef.group: must be "" for kind Service, got "multicluster.x-k8s.io"']],
    ['a ready fraction above 1', { regional: { minReadyFraction: 1.5 } }, ['.spec.regional.minReadyFraction:']],
    [
      'a dependency listed twice',
      { regional: { dependencies: [{ name: 'case-db', http: { path: '/a' } }, { name: 'case-db', http: { path: '/b' } }] } },
      ['.spec.regional.dependencies.1: duplicate dependency "case-db" (also .spec.regional.dependencies[0])'],
    ],
    ['a relative probe path', { regional: { dependencies: [{ name: 'db', http: { path: 'db' } }] } }, ['.spec.regional.dependencies.0.http.path: must be an absolute path like "/healthz" (no whitespace, at most 1024 characters), got "db"']],
    ['a negative lag bound', { failover: { replicationLag: { http: { path: '/lag' }, maxSeconds: -1 } } }, ['.spec.failover.replicationLag.maxSeconds:']],
    ['a synthetic check without steps', { synthetic: { interval: '15s', steps: [] } }, ['.spec.synthetic.steps: must have at least one step']],
    ['a zero synthetic interval', { synthetic: { interval: '0s', steps: [{ method: 'GET', path: '/', expectStatus: 200 }] } }, ['.spec.synthetic.interval: must be greater than 0s: the transaction would run back to back']],
    ['an impossible status', { synthetic: { interval: '15s', steps: [{ method: 'GET', path: '/', expectStatus: 42 }] } }, ['.spec.synthetic.steps.0.expectStatus:']],
  ];
  for (const [name, spec, expected] of INVALID) {
    it(`refuses ${name}`, () => {
      const actual = problems(spec).map((p, i) => (expected[i]?.endsWith(':') ? p.slice(0, p.indexOf(': ') + 1) : p));
      assert.deepEqual(actual, expected);
    });
  }

  it('is registered as a namespaced, fleet-scoped lintas.dev kind', () => {
    const lookup = lookupKind('lintas.dev/v1alpha1', 'HealthContract');
    assert.equal(lookup.status, 'known');
    if (lookup.status !== 'known') return;
    assert.equal(lookup.info.scope, 'Fleet');
    assert.equal(lookup.info.namespaced, true);
    assert.equal(resolveKindName('hc'), lookup.info);
    assert.equal(resolveKindName('healthcontracts'), lookup.info);
  });
});
