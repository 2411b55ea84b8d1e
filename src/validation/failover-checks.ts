/**
 * Can a FailoverPolicy see? (issue 14, seed 000 §12.1 and §20.3). A policy whose owner's
 * failure nothing would detect, or whose guardrails wait for a measurement nothing makes,
 * looks governed but never acts. Lintas evaluates a default health contract (the gateways'
 * own view: ready fraction, and headroom when the policy asks for it) for every service the
 * policy's TrafficPolicy targets that has no HealthContract, so these are the cases the
 * default cannot cover, each refused with what to add:
 *
 * - the TrafficPolicy targets only HTTPRoutes and no HealthContract in the namespace says how
 *   their backends are (the default contract needs a service to look at);
 * - `guardrails.maxReplicationLagSeconds` while no contract of those services measures the lag;
 * - `guardrails.minHeadroomFraction` while every service has a contract and none measures headroom.
 *
 * A destination without `Cluster.spec.capacity` can never show headroom: a warning.
 * Pure: decoded objects in, located issues out.
 * @module
 */
import { policyTargetsOf, type Cluster, type FailoverPolicy, type HealthContract, type Issue, type Sourced, type TrafficPolicy } from '../api/index.ts';

type Path = readonly (string | number)[];
type At = (s: Sourced, path: Path, message: string, severity?: Issue['severity']) => void;

/** What the detection checks look up. */
export interface DetectionIndex {
  readonly clusters: readonly Sourced<Cluster>[];
  readonly healthContracts: readonly Sourced<HealthContract>[];
}

const where = (s: Sourced): string => `${s.origin.file}:${s.origin.line}`;
const nsOf = (s: Sourced): string => s.object.metadata.namespace ?? 'default';

/** The contracts that decide a policy's domain, and the services without one (they get the default contract). */
function coverage(tp: Sourced<TrafficPolicy>, index: DetectionIndex): { services: string[]; contracts: Sourced<HealthContract>[]; uncovered: string[] } {
  const ns = nsOf(tp);
  const inNamespace = index.healthContracts.filter((c) => nsOf(c) === ns);
  const services = policyTargetsOf(tp.object).filter((t) => t.kind === 'ServiceImport' || t.kind === 'Service');
  // Only HTTPRoutes: the failover runner judges the domain by every contract in the namespace.
  if (services.length === 0) return { services: [], contracts: inNamespace, uncovered: [] };
  const contracts: Sourced<HealthContract>[] = [];
  const uncovered: string[] = [];
  for (const t of services) {
    const found = inNamespace.filter((c) => c.object.spec.targetRef.kind === t.kind && c.object.spec.targetRef.name === t.name);
    if (found.length === 0) uncovered.push(`${t.kind} ${t.name}`);
    contracts.push(...found);
  }
  return { services: services.map((t) => `${t.kind} ${t.name}`), contracts, uncovered };
}

/** How to add a measurement: to the contracts named, or as a new HealthContract for the services. */
function addTo(contracts: readonly Sourced<HealthContract>[], services: readonly string[], ns: string, field: string): string {
  if (contracts.length > 0) return `add ${field} to HealthContract ${contracts.map((c) => `${nsOf(c)}/${c.object.metadata.name} (${where(c)})`).join(' or ')}`;
  return `add a HealthContract (lintas.dev/v1alpha1, namespace ${ns}) for ${services.join(' or ')} with ${field}`;
}

/** The detection and measurement checks of one FailoverPolicy whose TrafficPolicy exists. */
export function checkFailoverDetection(s: Sourced<FailoverPolicy>, tp: Sourced<TrafficPolicy>, index: DetectionIndex, at: At): void {
  const { spec } = s.object;
  const ns = nsOf(s);
  const { services, contracts, uncovered } = coverage(tp, index);
  const owners = typeof spec.from === 'string' ? spec.from : spec.from.join(', ');
  if (services.length === 0 && contracts.length === 0) {
    at(
      s,
      ['spec', 'targetRef', 'name'],
      `nothing would detect that ${owners} failed: TrafficPolicy "${tp.object.metadata.name}" (${where(tp)}) targets only HTTPRoutes, and no HealthContract in namespace ${ns} says how their backends are; ` +
        `add a HealthContract (lintas.dev/v1alpha1, namespace ${ns}) whose .spec.targetRef names the routes' backend Service or ServiceImport, e.g. next to this policy in ${s.origin.file}`,
    );
    return;
  }
  const measured = (test: (c: HealthContract) => boolean): boolean => contracts.some((c) => test(c.object));
  const lag = spec.guardrails.maxReplicationLagSeconds;
  if (lag !== undefined && !measured((c) => c.spec.failover?.replicationLag !== undefined)) {
    at(
      s,
      ['spec', 'guardrails', 'maxReplicationLagSeconds'],
      `no HealthContract measures the replication lag of ${services.length > 0 ? services.join(', ') : `the services of namespace ${ns}`}, so this guardrail can never pass and ownership never moves; ` +
        `${addTo(contracts, services.length > 0 ? services : ['the routes\' backend'], ns, '.spec.failover.replicationLag (an HTTP path that answers the lag in seconds)')}`,
    );
  }
  const headroom = spec.guardrails.minHeadroomFraction;
  // A service without a contract gets the default one, which measures headroom for this guardrail.
  if (headroom !== undefined && uncovered.length === 0 && !measured((c) => c.spec.failover?.minHeadroomFraction !== undefined)) {
    at(s, ['spec', 'guardrails', 'minHeadroomFraction'], `no HealthContract measures headroom, so this guardrail can never pass and ownership never moves; ${addTo(contracts, services, ns, '.spec.failover.minHeadroomFraction')}`);
  }
  if (headroom !== undefined) {
    spec.to.forEach((cluster, i) => {
      const c = index.clusters.find((x) => x.object.metadata.name === cluster);
      if (c !== undefined && c.object.spec.capacity === undefined) {
        at(s, ['spec', 'to', i], `Cluster ${cluster} has no .spec.capacity (requests per second), so its headroom is unknown and guardrails.minHeadroomFraction blocks every failover to it; set it in ${where(c)}`, 'warning');
      }
    });
  }
}
