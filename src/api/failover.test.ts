import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailoverPolicy, failoverSources } from './failover.ts';
import { lookupKind, resolveKindName } from './kinds.ts';

type Spec = Record<string, unknown>;

const manifest = (spec: Spec): unknown => ({
  apiVersion: 'lintas.dev/v1alpha1',
  kind: 'FailoverPolicy',
  metadata: { name: 'case-writes', namespace: 'cases' },
  spec: { targetRef: { kind: 'TrafficPolicy', name: 'cases' }, from: 'sgp-prod-1', to: ['jkt-prod-1', 'tyo-prod-1'], ...spec },
});

/** `.path: message` of every issue, as `lintas validate` would print them (minus the zod→kubectl wording). */
function problems(spec: Spec): string[] {
  const r = FailoverPolicy.safeParse(manifest(spec));
  return r.success ? [] : r.error.issues.map((i) => `.${i.path.join('.')}: ${i.message}`);
}

describe('FailoverPolicy schema', () => {
  it('fills in defaults for a minimal policy', () => {
    const p = FailoverPolicy.parse(manifest({}));
    assert.deepEqual(p.spec, {
      targetRef: { group: 'lintas.dev', kind: 'TrafficPolicy', name: 'cases' },
      mode: 'Guarded',
      from: 'sgp-prod-1',
      to: ['jkt-prod-1', 'tyo-prod-1'],
      detection: { unhealthyFor: '30s' },
      guardrails: { secondaryRegionalReady: true, dependenciesReady: true },
      failback: { mode: 'Manual', stableFor: '10m' },
    });
    assert.deepEqual(failoverSources(p.spec), ['sgp-prod-1']);
  });

  it('accepts a list of owners, each failing over on its own', () => {
    const p = FailoverPolicy.parse(manifest({ from: ['sgp-prod-1', 'hkg-prod-1'] }));
    assert.deepEqual(failoverSources(p.spec), ['sgp-prod-1', 'hkg-prod-1']);
  });

  it('accepts a fully specified Automatic policy with a capacity check', () => {
    assert.deepEqual(problems({ mode: 'Automatic', guardrails: { minHeadroomFraction: 0.2 }, failback: { mode: 'Automatic', stableFor: '15m' } }), []);
    assert.deepEqual(problems({ mode: 'Manual', approvals: { required: 0 } }), [], 'Manual with no approvals: the operator who proposes executes');
  });

  const INVALID: ReadonlyArray<readonly [string, Spec, readonly string[]]> = [
    ['empty destinations', { to: [] }, ['.spec.to: must name at least one destination cluster']],
    ['destination is the owner', { to: ['jkt-prod-1', 'sgp-prod-1'] }, ['.spec.to.1: must not name "sgp-prod-1": it is the owner being failed over (.spec.from)']],
    ['destination is one of several owners', { from: ['sgp-prod-1', 'jkt-prod-1'] }, ['.spec.to.0: must not name "jkt-prod-1": it is the owner being failed over (.spec.from)']],
    ['duplicate destination', { to: ['jkt-prod-1', 'jkt-prod-1'] }, ['.spec.to.1: duplicate cluster "jkt-prod-1" (also .spec.to[0])']],
    ['duplicate owner', { from: ['sgp-prod-1', 'sgp-prod-1'] }, ['.spec.from.1: duplicate cluster "sgp-prod-1" (also .spec.from[0])']],
    ['zero dwell', { detection: { unhealthyFor: '0s' } }, ['.spec.detection.unhealthyFor: must be greater than 0s: without a dwell, one failed health evaluation proposes a failover']],
    ['bad duration', { detection: { unhealthyFor: '30 seconds' } }, ['.spec.detection.unhealthyFor: must be a Gateway API duration like "10s", "1m30s" or "500ms", got "30 seconds"']],
    ['zero stability window', { failback: { stableFor: '0m' } }, ['.spec.failback.stableFor: must be greater than 0s: failing back into a region that only just recovered flaps']],
    ['negative approvals', { approvals: { required: -1 } }, ['.spec.approvals.required:']],
    ['Guarded without approvals', { mode: 'Guarded', approvals: { required: 0 } }, ['.spec.approvals.required: must be at least 1 when mode is Guarded; use Automatic to act without approval']],
    ['Guarded failback without approvals', { mode: 'Manual', approvals: { required: 0 }, failback: { mode: 'Guarded' } }, ['.spec.approvals.required: must be at least 1 when failback.mode is Guarded; use Automatic to act without approval']],
    [
      'Automatic without a capacity check',
      { mode: 'Automatic' },
      ['.spec.guardrails.minHeadroomFraction: is required when mode is Automatic: automatic failover needs a capacity check'],
    ],
    [
      'Automatic without health guardrails',
      { mode: 'Automatic', guardrails: { secondaryRegionalReady: false, dependenciesReady: false, minHeadroomFraction: 0.3 } },
      [
        '.spec.guardrails.secondaryRegionalReady: must be true when mode is Automatic: Lintas never moves ownership on its own to a region whose health it has not checked',
        '.spec.guardrails.dependenciesReady: must be true when mode is Automatic: a destination with broken dependencies is a worse region',
      ],
    ],
    [
      'approvals nobody uses',
      { mode: 'Automatic', guardrails: { minHeadroomFraction: 0.3 }, approvals: { required: 1 }, failback: { mode: 'Automatic' } },
      ['.spec.approvals.required: is never used: mode and failback.mode are both Automatic, which act without approvals; use Guarded to require them'],
    ],
    ['headroom above 1', { guardrails: { minHeadroomFraction: 1.5 } }, ['.spec.guardrails.minHeadroomFraction:']],
    ['unknown mode', { mode: 'Yolo' }, ['.spec.mode:']],
    ['wrong target kind', { targetRef: { kind: 'HTTPRoute', name: 'cases' } }, ['.spec.targetRef.kind:']],
  ];
  for (const [name, spec, expected] of INVALID) {
    // Entries ending in ":" name only the field: zod's own wording for range and enum errors is
    // rewritten by validation/zod-messages.ts, so only the project's messages are pinned here.
    it(`refuses ${name}`, () => {
      const actual = problems(spec).map((p, i) => (expected[i]?.endsWith(':') ? p.slice(0, p.indexOf(':') + 1) : p));
      assert.deepEqual(actual, expected);
    });
  }

  it('is registered as a namespaced, fleet-scoped lintas.dev kind', () => {
    const lookup = lookupKind('lintas.dev/v1alpha1', 'FailoverPolicy');
    assert.equal(lookup.status, 'known');
    if (lookup.status !== 'known') return;
    assert.equal(lookup.info.scope, 'Fleet');
    assert.equal(lookup.info.namespaced, true);
    assert.equal(resolveKindName('fop'), lookup.info);
    assert.equal(resolveKindName('failoverpolicies.lintas.dev'), lookup.info);
  });
});
