/**
 * ReferenceGrant (gateway.networking.k8s.io): a reference into another namespace is
 * allowed only when a grant in the target namespace (of the same cluster) lists the
 * referrer in `from` and the target in `to`. Every field must match exactly: group
 * (`""` is core), kind, from-namespace and, when set, the target name. Near misses
 * (wrong group, wrong kind, wrong namespace, other name) grant nothing.
 * @module
 */
import type { ClusterIndex } from './fleet-index.ts';

/** The referring object. */
export interface ReferenceFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

/** The referenced object. */
export interface ReferenceTo {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** True when `from` may refer to `to`: same namespace, or a ReferenceGrant in `to`'s namespace allows it. */
export function referencePermitted(cluster: ClusterIndex, from: ReferenceFrom, to: ReferenceTo): boolean {
  if (from.namespace === to.namespace) return true;
  for (const grant of cluster.referenceGrants.get(to.namespace) ?? []) {
    const fromOk = grant.spec.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace);
    if (!fromOk) continue;
    const toOk = grant.spec.to.some((t) => t.group === to.group && t.kind === to.kind && (t.name === undefined || t.name === to.name));
    if (toOk) return true;
  }
  return false;
}
