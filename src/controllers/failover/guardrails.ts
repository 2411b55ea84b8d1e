/**
 * Guardrails (seed 000 §20.3): the checks a destination must pass before
 * ownership moves to it, each evaluated with its evidence — the check, the
 * observed value, the threshold and the verdict. Missing or stale evidence
 * fails the check: a guardrail that cannot see is a closed guardrail.
 * @module
 */
import type { GuardrailSettings } from './settings.ts';
import type { GuardrailCheck, GuardrailEvidence, GuardrailVerdict, HealthObservation } from './types.ts';

const seconds = (ms: number): number => Math.round(ms) / 1000;

function evidence(check: GuardrailCheck, observed: boolean | number | null, threshold: boolean | number, pass: boolean, message: string): GuardrailEvidence {
  return { check, observed, threshold, pass, message };
}

function mustBeTrue(check: GuardrailCheck, what: string, cluster: string, observed: boolean | undefined): GuardrailEvidence {
  if (observed === undefined) return evidence(check, null, true, false, `${what} of ${cluster} was not reported`);
  return evidence(check, observed, true, observed, `${what} of ${cluster} is ${String(observed)}${observed ? '' : ' (needs true)'}`);
}

/**
 * Evaluates every configured guardrail for moving ownership to `cluster`, given its latest observation.
 * Checks come in a fixed order (freshness, regional readiness, dependencies, business readiness, headroom,
 * lag); unconfigured thresholds are not checked and do not appear, nor does business readiness when the
 * destination's contracts run no synthetic transaction.
 */
export function evaluateGuardrails(cluster: string, observation: HealthObservation | undefined, settings: GuardrailSettings, now: string): GuardrailVerdict {
  const checks: GuardrailEvidence[] = [];
  const maxAge = seconds(settings.maxObservationAgeMs);
  const fresh = observation === undefined ? undefined : Math.max(0, Date.parse(now) - Date.parse(observation.at));
  if (observation === undefined || fresh === undefined) {
    checks.push(evidence('observationFresh', null, maxAge, false, `no health evaluation of ${cluster} yet`));
  } else if (Number.isNaN(fresh)) {
    checks.push(evidence('observationFresh', null, maxAge, false, `the health evaluation of ${cluster} has an unreadable time "${observation.at}"`));
  } else {
    const pass = fresh <= settings.maxObservationAgeMs;
    checks.push(evidence('observationFresh', seconds(fresh), maxAge, pass, `the health evaluation of ${cluster} is ${seconds(fresh)}s old${pass ? '' : ` (older than ${maxAge}s)`}`));
  }
  // Without a usable observation the other checks have nothing to look at; they still report, so the evidence is complete.
  const seen = checks[0]?.observed === null ? undefined : observation;
  if (settings.secondaryRegionalReady) checks.push(mustBeTrue('secondaryRegionalReady', 'regional readiness', cluster, seen?.regionalReady));
  if (settings.dependenciesReady) checks.push(mustBeTrue('dependenciesReady', 'dependency readiness', cluster, seen?.dependenciesReady));
  // Business readiness is checked wherever a contract runs a synthetic transaction (seed 000 §12.1): a region
  // whose critical transaction fails is no place to move ownership to, nor back to.
  if (seen?.businessReady !== undefined) checks.push(mustBeTrue('businessReady', 'business readiness (the synthetic transaction)', cluster, seen.businessReady));
  const minHeadroom = settings.minHeadroomFraction;
  if (minHeadroom !== undefined) {
    const headroom = seen?.headroomFraction;
    checks.push(
      headroom === undefined
        ? evidence('minHeadroomFraction', null, minHeadroom, false, `headroom of ${cluster} was not reported`)
        : evidence('minHeadroomFraction', headroom, minHeadroom, headroom >= minHeadroom, `headroom of ${cluster} is ${headroom}${headroom >= minHeadroom ? '' : `, below the minimum ${minHeadroom}`}`),
    );
  }
  const maxLag = settings.maxReplicationLagSeconds;
  if (maxLag !== undefined) {
    const lag = seen?.replicationLagSeconds;
    checks.push(
      lag === undefined
        ? evidence('maxReplicationLagSeconds', null, maxLag, false, `replication lag of ${cluster} was not reported`)
        : evidence('maxReplicationLagSeconds', lag, maxLag, lag <= maxLag, `replication lag of ${cluster} is ${lag}s${lag <= maxLag ? '' : `, above the maximum ${maxLag}s`}`),
    );
  }
  return {
    cluster,
    evaluatedAt: now,
    ...(observation === undefined ? {} : { observedAt: observation.at }),
    pass: checks.every((c) => c.pass),
    checks,
  };
}

/** The failing checks of a verdict, in check order. */
export function blockingChecks(verdict: GuardrailVerdict): readonly GuardrailEvidence[] {
  return verdict.checks.filter((c) => !c.pass);
}

/** One line for logs, audit reasons and 409 answers: "guardrails pass for X" or the failing checks' messages. */
export function describeVerdict(verdict: GuardrailVerdict): string {
  const failing = blockingChecks(verdict);
  if (failing.length === 0) return `guardrails pass for ${verdict.cluster}`;
  return `guardrails block ${verdict.cluster}: ${failing.map((c) => `${c.check}: ${c.message}`).join('; ')}`;
}

/** True when two verdicts block (or pass) for the same destination and the same checks, whatever the values. */
export function sameOutcome(a: GuardrailVerdict | undefined, b: GuardrailVerdict): boolean {
  if (a === undefined || a.cluster !== b.cluster || a.pass !== b.pass) return false;
  const names = (v: GuardrailVerdict): string => blockingChecks(v).map((c) => c.check).join(',');
  return names(a) === names(b);
}
