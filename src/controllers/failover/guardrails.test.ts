import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blockingChecks, describeVerdict, evaluateGuardrails, sameOutcome } from './guardrails.ts';
import type { GuardrailSettings } from './settings.ts';
import type { GuardrailCheck, HealthObservation } from './types.ts';

const NOW = '2026-05-01T12:01:00.000Z';
const FULL: GuardrailSettings = { secondaryRegionalReady: true, dependenciesReady: true, minHeadroomFraction: 0.3, maxReplicationLagSeconds: 5, maxObservationAgeMs: 60_000 };
const GREEN: HealthObservation = { cluster: 'jkt-prod-1', regionalReady: true, failoverReady: true, dependenciesReady: true, headroomFraction: 0.5, replicationLagSeconds: 1, at: '2026-05-01T12:00:30.000Z' };
const ALL: readonly GuardrailCheck[] = ['observationFresh', 'secondaryRegionalReady', 'dependenciesReady', 'minHeadroomFraction', 'maxReplicationLagSeconds'];

interface Row {
  readonly name: string;
  readonly observation: Partial<HealthObservation> | undefined;
  readonly settings?: Partial<GuardrailSettings>;
  /** The failing checks with their observed values; empty when the verdict passes. */
  readonly failing: ReadonlyArray<readonly [GuardrailCheck, boolean | number | null]>;
  readonly checks?: readonly GuardrailCheck[];
}

const ROWS: readonly Row[] = [
  { name: 'every check green', observation: {}, failing: [] },
  {
    name: 'no evaluation at all fails every check',
    observation: undefined,
    failing: ALL.map((c) => [c, null] as const),
  },
  { name: 'evaluation 61 s old is stale', observation: { at: '2026-05-01T11:59:59.000Z' }, failing: [['observationFresh', 61]] },
  { name: 'evaluation exactly 60 s old is fresh', observation: { at: '2026-05-01T12:00:00.000Z' }, failing: [] },
  { name: 'evaluation from the future counts as 0 s old', observation: { at: '2026-05-01T12:01:05.000Z' }, failing: [] },
  { name: 'unreadable evaluation time', observation: { at: 'yesterday' }, failing: ALL.map((c) => [c, null] as const) },
  { name: 'destination not regionally ready', observation: { regionalReady: false }, failing: [['secondaryRegionalReady', false]] },
  { name: 'dependencies failing', observation: { dependenciesReady: false }, failing: [['dependenciesReady', false]] },
  { name: 'dependencies not reported', observation: { dependenciesReady: undefined }, failing: [['dependenciesReady', null]] },
  { name: 'headroom below the minimum', observation: { headroomFraction: 0.2 }, failing: [['minHeadroomFraction', 0.2]] },
  { name: 'headroom exactly the minimum', observation: { headroomFraction: 0.3 }, failing: [] },
  { name: 'headroom not reported', observation: { headroomFraction: undefined }, failing: [['minHeadroomFraction', null]] },
  { name: 'lag exactly the maximum', observation: { replicationLagSeconds: 5 }, failing: [] },
  { name: 'lag above the maximum', observation: { replicationLagSeconds: 5.5 }, failing: [['maxReplicationLagSeconds', 5.5]] },
  { name: 'lag not reported', observation: { replicationLagSeconds: undefined }, failing: [['maxReplicationLagSeconds', null]] },
  { name: 'several failures at once', observation: { regionalReady: false, replicationLagSeconds: 30 }, failing: [['secondaryRegionalReady', false], ['maxReplicationLagSeconds', 30]] },
  {
    name: 'unconfigured checks are neither evaluated nor listed',
    observation: { regionalReady: false, headroomFraction: 0, replicationLagSeconds: 999 },
    settings: { secondaryRegionalReady: false, minHeadroomFraction: undefined, maxReplicationLagSeconds: undefined },
    failing: [],
    checks: ['observationFresh', 'dependenciesReady'],
  },
];

describe('evaluateGuardrails', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const observation = row.observation === undefined ? undefined : { ...GREEN, ...row.observation };
      const verdict = evaluateGuardrails('jkt-prod-1', observation, { ...FULL, ...row.settings }, NOW);
      assert.deepEqual(blockingChecks(verdict).map((c) => [c.check, c.observed]), row.failing);
      assert.equal(verdict.pass, row.failing.length === 0);
      assert.deepEqual(verdict.checks.map((c) => c.check), row.checks ?? ALL, 'checks come in a fixed order');
      assert.equal(verdict.cluster, 'jkt-prod-1');
      assert.equal(verdict.evaluatedAt, NOW);
      for (const c of verdict.checks) assert.match(c.message, /jkt-prod-1/, 'every piece of evidence names the cluster');
    });
  }

  it('records observed values and thresholds as evidence', () => {
    const verdict = evaluateGuardrails('jkt-prod-1', { ...GREEN, replicationLagSeconds: 7 }, FULL, NOW);
    assert.deepEqual(verdict.checks.find((c) => c.check === 'maxReplicationLagSeconds'), {
      check: 'maxReplicationLagSeconds',
      observed: 7,
      threshold: 5,
      pass: false,
      message: 'replication lag of jkt-prod-1 is 7s, above the maximum 5s',
    });
    assert.deepEqual(verdict.checks.find((c) => c.check === 'observationFresh'), {
      check: 'observationFresh',
      observed: 30,
      threshold: 60,
      pass: true,
      message: 'the health evaluation of jkt-prod-1 is 30s old',
    });
    assert.equal(verdict.observedAt, GREEN.at);
  });

  it('describes a verdict in one line', () => {
    assert.equal(describeVerdict(evaluateGuardrails('jkt-prod-1', GREEN, FULL, NOW)), 'guardrails pass for jkt-prod-1');
    assert.equal(
      describeVerdict(evaluateGuardrails('jkt-prod-1', { ...GREEN, headroomFraction: 0.1, dependenciesReady: false }, FULL, NOW)),
      'guardrails block jkt-prod-1: dependenciesReady: dependency readiness of jkt-prod-1 is false (needs true); minHeadroomFraction: headroom of jkt-prod-1 is 0.1, below the minimum 0.3',
    );
  });

  it('compares outcomes by destination and failing checks, not by values', () => {
    const lag7 = evaluateGuardrails('jkt-prod-1', { ...GREEN, replicationLagSeconds: 7 }, FULL, NOW);
    const lag9 = evaluateGuardrails('jkt-prod-1', { ...GREEN, replicationLagSeconds: 9 }, FULL, NOW);
    const green = evaluateGuardrails('jkt-prod-1', GREEN, FULL, NOW);
    const elsewhere = evaluateGuardrails('tyo-prod-1', { ...GREEN, cluster: 'tyo-prod-1', replicationLagSeconds: 7 }, FULL, NOW);
    assert.equal(sameOutcome(lag7, lag9), true);
    assert.equal(sameOutcome(lag7, green), false);
    assert.equal(sameOutcome(lag7, elsewhere), false);
    assert.equal(sameOutcome(undefined, green), false);
  });
});
