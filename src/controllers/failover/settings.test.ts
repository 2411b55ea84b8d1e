import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { FailoverPolicy, lookupKind } from '../../api/index.ts';
import { DRAIN_TIMEOUT_MS, MAX_OBSERVATION_AGE_MS, failoverSettings } from './settings.ts';
import { makePolicy } from './test-support.ts';

const EXAMPLE = new URL('./testdata/case-writes.yaml', import.meta.url);

describe('failover settings', () => {
  it('the example policy in testdata is a registered kind and valid', () => {
    const raw = parse(readFileSync(EXAMPLE, 'utf8')) as { apiVersion: string; kind: string };
    const lookup = lookupKind(raw.apiVersion, raw.kind);
    assert.equal(lookup.status, 'known');
    assert.equal(lookup.status === 'known' && lookup.info.scope, 'Fleet');
    const parsed = FailoverPolicy.safeParse(raw);
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
    assert.deepEqual(failoverSettings(parsed.data), {
      mode: 'Guarded',
      failbackMode: 'Manual',
      unhealthyForMs: 30_000,
      stableForMs: 600_000,
      targets: ['jkt-prod-1', 'tyo-prod-1'],
      failoverApprovals: 1,
      failbackApprovals: 1,
      distinctFromProposer: true,
      guardrails: { secondaryRegionalReady: true, dependenciesReady: true, minHeadroomFraction: 0.3, maxReplicationLagSeconds: 5, maxObservationAgeMs: MAX_OBSERVATION_AGE_MS },
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
    });
  });

  it('Automatic directions need no approvals; the others need approvals.required', () => {
    const s = failoverSettings(makePolicy({ mode: 'Automatic', failbackMode: 'Guarded', required: 2 }));
    assert.equal(s.failoverApprovals, 0);
    assert.equal(s.failbackApprovals, 2);
    const manual = failoverSettings(makePolicy({ mode: 'Manual', required: 0 }));
    assert.equal(manual.failoverApprovals, 0, 'Manual with 0 approvals: the operator who proposes executes');
  });

  it('refuses an unvalidated policy with an unparsable duration', () => {
    const bad = makePolicy();
    const tampered = { ...bad, spec: { ...bad.spec, detection: { unhealthyFor: 'soon' } } };
    assert.throws(() => failoverSettings(tampered), /detection\.unhealthyFor is not a Gateway API duration/);
  });
});
