/**
 * The failover runner's health events: a health-contract report turned into one
 * `HealthObservation` per cluster of a FailoverPolicy's domain. Pure.
 *
 * The services that count are the ServiceImports/Services the policy's TrafficPolicy
 * targets (or, without it, every service in the policy's namespace); when several are
 * targeted, a cluster is only as good as its worst service (all must be ready, the
 * smallest headroom and the largest lag count, and the oldest evaluation time).
 * @module
 */
import { failoverSources, type FailoverPolicy, type TrafficPolicy } from '../../api/index.ts';
import { healthObservation, type HealthReport, type ServiceHealth } from '../health/index.ts';
import type { HealthObservation } from './types.ts';

/** `ns/name` of the TrafficPolicy a FailoverPolicy governs. */
export function trafficPolicyKey(policy: FailoverPolicy): string {
  return `${policy.metadata.namespace ?? 'default'}/${policy.spec.targetRef.name}`;
}

/** The `ns/name` of the services whose health decides the domain, or undefined when the TrafficPolicy is unknown or targets no service. */
export function targetedServices(policy: FailoverPolicy, trafficPolicies: readonly TrafficPolicy[] | undefined): ReadonlySet<string> | undefined {
  const ns = policy.metadata.namespace ?? 'default';
  const tp = trafficPolicies?.find((p) => (p.metadata.namespace ?? 'default') === ns && p.metadata.name === policy.spec.targetRef.name);
  if (tp === undefined) return undefined;
  // HTTPRoute targets name no service directly; their backends are not resolved here.
  const names = tp.spec.targetRefs.filter((r) => r.kind === 'ServiceImport' || r.kind === 'Service').map((r) => `${ns}/${r.name}`);
  return names.length > 0 ? new Set(names) : undefined;
}

function all(values: readonly (boolean | undefined)[]): boolean | undefined {
  const known = values.filter((v) => v !== undefined);
  return known.length === 0 ? undefined : known.every(Boolean);
}

function extreme(values: readonly (number | undefined)[], pick: (...n: number[]) => number): number | undefined {
  const known = values.filter((v) => v !== undefined);
  return known.length === 0 ? undefined : pick(...known);
}

/** The worst of several observations of one cluster. */
function merge(cluster: string, observations: readonly HealthObservation[]): HealthObservation {
  const failoverReady = all(observations.map((o) => o.failoverReady));
  const dependenciesReady = all(observations.map((o) => o.dependenciesReady));
  const businessReady = all(observations.map((o) => o.businessReady));
  const headroomFraction = extreme(observations.map((o) => o.headroomFraction), Math.min);
  const replicationLagSeconds = extreme(observations.map((o) => o.replicationLagSeconds), Math.max);
  const at = observations.map((o) => o.at).sort()[0] ?? '';
  return {
    cluster,
    regionalReady: observations.every((o) => o.regionalReady),
    ...(failoverReady === undefined ? {} : { failoverReady }),
    ...(dependenciesReady === undefined ? {} : { dependenciesReady }),
    ...(businessReady === undefined ? {} : { businessReady }),
    ...(headroomFraction === undefined ? {} : { headroomFraction }),
    ...(replicationLagSeconds === undefined ? {} : { replicationLagSeconds }),
    at,
  };
}

/**
 * One observation per cluster of the policy's domain (destinations first, then the owners, so that a
 * proposal opened by the owner's observation is judged on fresh destination evidence). A domain cluster
 * missing from every relevant service is reported not ready: it serves none of them. No relevant service
 * in the report means no evidence at all, and no observation.
 */
export function observationsFor(policy: FailoverPolicy, report: HealthReport, trafficPolicies: readonly TrafficPolicy[] | undefined): HealthObservation[] {
  const ns = policy.metadata.namespace ?? 'default';
  const services = targetedServices(policy, trafficPolicies);
  const relevant: readonly ServiceHealth[] = report.services.filter((s) => (services === undefined ? s.service.startsWith(`${ns}/`) : services.has(s.service)));
  if (relevant.length === 0) return [];
  const clusters = [...new Set([...policy.spec.to, ...failoverSources(policy.spec)])];
  return clusters.map((cluster) => {
    const seen = relevant.flatMap((s) => s.clusters.filter((c) => c.cluster === cluster)).map(healthObservation);
    if (seen.length === 0) return { cluster, regionalReady: false, failoverReady: false, at: report.generatedAt };
    return merge(cluster, seen);
  });
}
