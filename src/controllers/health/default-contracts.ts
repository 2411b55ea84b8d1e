/**
 * Default health contracts (issue 14; seed 000 §12.1 "traffic manager health consumes
 * regional health"). A FailoverPolicy decides on the health of the services its TrafficPolicy
 * targets; a service no HealthContract targets would give it no evidence at all, and the
 * owner's failure would go unnoticed. Such a service gets a default contract instead: the
 * default ready fraction over its endpoints as the gateways see them (EndpointSlice readiness,
 * active health checks, outlier ejections), and headroom when the policy's guardrails ask for
 * it. Replication lag and dependencies need probe paths only a HealthContract can name;
 * validation refuses policies that wait for them without one. Pure.
 * @module
 */
import { HealthContractSpec, type FailoverPolicy, type FleetObject, type HealthContract, type TrafficPolicy } from '../../api/index.ts';
import { compareStrings } from '../../lib/index.ts';
import type { HealthTarget } from './types.ts';

const nsName = (o: { readonly metadata: { readonly namespace?: string | undefined; readonly name: string } }): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

interface Draft {
  readonly policy: string;
  readonly kind: 'ServiceImport' | 'Service';
  readonly group: string;
  readonly namespace: string;
  readonly name: string;
  headroom: number | undefined;
}

/**
 * The default contracts of the fleet: one per service that a FailoverPolicy's TrafficPolicy targets
 * and no HealthContract does, named after the first such policy (by `ns/name`), sorted by service.
 * Several policies over one service share it; its headroom check uses the largest minimum they ask for.
 */
export function defaultContracts(objects: readonly FleetObject[]): Omit<HealthTarget, 'clusters'>[] {
  const contracted = new Set<string>();
  const trafficPolicies = new Map<string, TrafficPolicy>();
  const failoverPolicies: FailoverPolicy[] = [];
  for (const object of objects) {
    if (object.kind === 'HealthContract') {
      const c = object as HealthContract;
      contracted.add(`${c.spec.targetRef.kind}/${c.metadata.namespace ?? 'default'}/${c.spec.targetRef.name}`);
    } else if (object.kind === 'TrafficPolicy') {
      trafficPolicies.set(nsName(object as TrafficPolicy), object as TrafficPolicy);
    } else if (object.kind === 'FailoverPolicy') {
      failoverPolicies.push(object as FailoverPolicy);
    }
  }
  const drafts = new Map<string, Draft>();
  for (const fp of failoverPolicies.sort((a, b) => compareStrings(nsName(a), nsName(b)))) {
    const namespace = fp.metadata.namespace ?? 'default';
    const tp = trafficPolicies.get(`${namespace}/${fp.spec.targetRef.name}`);
    const headroom = fp.spec.guardrails.minHeadroomFraction;
    for (const ref of tp?.spec.targetRefs ?? []) {
      if (ref.kind !== 'ServiceImport' && ref.kind !== 'Service') continue;
      const key = `${ref.kind}/${namespace}/${ref.name}`;
      if (contracted.has(key)) continue;
      const known = drafts.get(key);
      if (known === undefined) drafts.set(key, { policy: nsName(fp), kind: ref.kind, group: ref.group, namespace, name: ref.name, headroom });
      else if (headroom !== undefined && (known.headroom === undefined || headroom > known.headroom)) known.headroom = headroom;
    }
  }
  return [...drafts.values()]
    .sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name) || compareStrings(a.kind, b.kind))
    .map((d) => ({
      contract: d.policy,
      defaultFor: d.policy,
      service: `${d.namespace}/${d.name}`,
      kind: d.kind,
      spec: HealthContractSpec.parse({
        targetRef: { group: d.group, kind: d.kind, name: d.name },
        ...(d.headroom === undefined ? {} : { failover: { minHeadroomFraction: d.headroom } }),
      }),
    }));
}
