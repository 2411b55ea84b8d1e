/**
 * BackendTLSPolicy (Gateway API v1): which upstreams the gateway re-encrypts
 * to, with what SNI, name checks and CA certificates, and each policy's status.
 *
 * - A policy applies to the backends of its own namespace and cluster that its
 *   `targetRefs` name: a core Service or a ServiceImport (`multicluster.x-k8s.io`
 *   or `net.gke.io`), all ports, or the port whose name is `sectionName`. A
 *   policy for the port beats one for the whole Service; among equals the
 *   oldest (creationTimestamp, then name) wins and the others are
 *   `Accepted=False/Conflicted`. A `sectionName` the target has no port of is
 *   `Accepted=False/TargetNotFound`.
 * - `caCertificateRefs` name core ConfigMaps (key `ca.crt`, PEM): another kind is
 *   `ResolvedRefs=False/InvalidKind`, a missing ConfigMap, key or PEM
 *   `InvalidCACertificateRef`; when none is valid the policy is
 *   `Accepted=False/NoValidCACertificate`. `wellKnownCACertificates: System` uses
 *   the platform's CAs; another value is `Accepted=False/Invalid`. A backend whose
 *   applied policy is not accepted for these reasons is refused (503, never
 *   plaintext); a valid subset of refs is used as the CA bundle.
 * - Status is per ancestor: each Gateway whose routes reach a target of the
 *   policy (GEP-713), with `Accepted` and `ResolvedRefs`.
 * Pure: PEM is parsed with node:crypto, nothing is read, no clock.
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { CA_CERTIFICATE_KEY, GATEWAY_GROUP, GKE_MCS_GROUP, MCS_GROUP, type BackendTLSPolicy, type Condition, type ParentReference } from '../../api/index.ts';
import type { UpstreamTlsIR } from '../../ir/index.ts';
import { compareStrings } from '../../lib/index.ts';
import { BackendTLSPolicyReason as Reason, ConditionType, draft, settle, type DraftCondition } from './conditions.ts';
import { nsName, type ClusterIndex, type FleetIndex } from './fleet-index.ts';
import { compareOptionalTimes, timestampMillis } from './time.ts';

/** Gateway API PolicyAncestorStatus. */
export interface PolicyAncestorStatus {
  ancestorRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

/** A BackendTLSPolicy with the status Lintas computed (one entry per Gateway that reaches its targets). */
export type BackendTLSPolicyWithStatus = BackendTLSPolicy & { status: { ancestors: PolicyAncestorStatus[] } };

/** What one policy resolved to, before any route reaches it. */
interface ResolvedPolicy {
  /** `cluster/ns/name`. */
  readonly id: string;
  readonly cluster: string;
  readonly policy: BackendTLSPolicy;
  readonly created: number | undefined;
  readonly tls: UpstreamTlsIR;
  /** Set when the policy itself is not acceptable (refused backends). */
  readonly invalid?: { readonly reason: typeof Reason.NoValidCACertificate | typeof Reason.Invalid; readonly message: string };
  readonly refProblems: readonly { readonly reason: typeof Reason.InvalidKind | typeof Reason.InvalidCACertificateRef; readonly message: string }[];
}

/** How one route backend met a policy: it applies, it lost to another, or its sectionName names no port. */
export type Verdict = { readonly kind: 'applied' } | { readonly kind: 'conflicted'; readonly winner: string } | { readonly kind: 'targetNotFound'; readonly message: string };

/** A backend target as a route resolved it. */
export interface TlsTarget {
  readonly kind: 'Service' | 'ServiceImport';
  readonly namespace: string;
  readonly name: string;
  /** The port's name ('' when unnamed) and every port name of the target (for sectionName). */
  readonly portName: string;
  readonly portNames: readonly string[];
}

/** What {@link BackendTlsIndex.lookup} found: the TLS to apply (if any), and the policies met, with how. */
export interface TlsLookup {
  readonly tls: UpstreamTlsIR | undefined;
  readonly met: readonly { readonly id: string; readonly verdict: Verdict }[];
}

/** Every cluster's BackendTLSPolicies, resolved. */
export interface BackendTlsIndex {
  /** The policies of `cluster` that a backend target meets. */
  lookup(cluster: ClusterIndex, target: TlsTarget): TlsLookup;
  /** Statuses, from the Gateways each policy was reached through (`id` → `ns/gateway` → verdict). */
  statuses(reached: ReadonlyMap<string, ReadonlyMap<string, Verdict>>, controllerName: string, now: string, previous: readonly { cluster: string; policy: BackendTLSPolicyWithStatus }[] | undefined): { cluster: string; policy: BackendTLSPolicyWithStatus }[];
}

/** The CA certificates of a PEM bundle, or why it is not one. */
function parseBundle(pem: string): { ok: true; pem: string } | { ok: false; message: string } {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return { ok: false, message: 'holds no PEM certificate' };
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      return { ok: false, message: 'holds a PEM block that is not a certificate' };
    }
  }
  return { ok: true, pem: `${blocks.join('\n')}\n` };
}

function resolvePolicy(cluster: ClusterIndex, policy: BackendTLSPolicy): ResolvedPolicy {
  const namespace = policy.metadata.namespace ?? 'default';
  const v = policy.spec.validation;
  const refProblems: { reason: typeof Reason.InvalidKind | typeof Reason.InvalidCACertificateRef; message: string }[] = [];
  const bundles: string[] = [];
  (v.caCertificateRefs ?? []).forEach((ref, i) => {
    const where = `validation.caCertificateRefs[${i}]`;
    if (ref.group !== '' || ref.kind !== 'ConfigMap') {
      refProblems.push({ reason: Reason.InvalidKind, message: `${where}: ${ref.group === '' ? '' : `${ref.group}/`}${ref.kind} is not supported; CA certificates are read from core ConfigMaps (key ${CA_CERTIFICATE_KEY})` });
      return;
    }
    const configMap = cluster.configMaps.get(nsName(namespace, ref.name));
    const text = configMap?.data?.[CA_CERTIFICATE_KEY];
    if (configMap === undefined) return void refProblems.push({ reason: Reason.InvalidCACertificateRef, message: `${where}: ConfigMap ${namespace}/${ref.name} not found in cluster ${cluster.locality.name}` });
    if (text === undefined) return void refProblems.push({ reason: Reason.InvalidCACertificateRef, message: `${where}: ConfigMap ${namespace}/${ref.name} has no key ${CA_CERTIFICATE_KEY}` });
    const parsed = parseBundle(text);
    if (!parsed.ok) return void refProblems.push({ reason: Reason.InvalidCACertificateRef, message: `${where}: ConfigMap ${namespace}/${ref.name} key ${CA_CERTIFICATE_KEY} ${parsed.message}` });
    bundles.push(parsed.pem);
  });
  const policyName = nsName(namespace, policy.metadata.name);
  const wellKnown = v.wellKnownCACertificates;
  let invalid: ResolvedPolicy['invalid'];
  if (wellKnown !== undefined && wellKnown !== '' && wellKnown !== 'System') invalid = { reason: Reason.Invalid, message: `wellKnownCACertificates "${wellKnown}" is not supported; Lintas knows System` };
  else if ((v.caCertificateRefs ?? []).length > 0 && bundles.length === 0) invalid = { reason: Reason.NoValidCACertificate, message: `No valid CA certificate: ${refProblems.map((p) => p.message).join('; ')}` };
  const sans = (v.subjectAltNames ?? []).map((s) => ({ type: s.type, value: (s.type === 'Hostname' ? s.hostname : s.uri) ?? '' }));
  const tls: UpstreamTlsIR = {
    policy: policyName,
    hostname: v.hostname,
    ...(sans.length > 0 ? { subjectAltNames: sans } : {}),
    ...(bundles.length > 0 ? { caCertificates: bundles.join('') } : {}),
    ...(wellKnown === 'System' ? { wellKnownCACertificates: 'System' as const } : {}),
    ...(invalid !== undefined ? { refused: `BackendTLSPolicy ${policyName} is not accepted: ${invalid.message}` } : {}),
  };
  return {
    id: `${cluster.locality.name}/${policyName}`,
    cluster: cluster.locality.name,
    policy,
    created: timestampMillis(policy.metadata.creationTimestamp),
    tls,
    ...(invalid !== undefined ? { invalid } : {}),
    refProblems,
  };
}

function targetsKind(group: string, kind: string): 'Service' | 'ServiceImport' | undefined {
  if ((group === '' || group === 'core') && kind === 'Service') return 'Service';
  if ((group === MCS_GROUP || group === GKE_MCS_GROUP) && kind === 'ServiceImport') return 'ServiceImport';
  return undefined;
}

function ancestorConditions(p: ResolvedPolicy, verdict: Verdict, generation: number | undefined): DraftCondition[] {
  const { Accepted, ResolvedRefs } = ConditionType;
  let accepted: DraftCondition;
  if (verdict.kind === 'conflicted') accepted = draft(Accepted, 'False', Reason.Conflicted, `Policy ${verdict.winner} targets the same backend and takes precedence.`, generation);
  else if (verdict.kind === 'targetNotFound') accepted = draft(Accepted, 'False', Reason.TargetNotFound, verdict.message, generation);
  else if (p.invalid !== undefined) accepted = draft(Accepted, 'False', p.invalid.reason, `${p.invalid.message}. Requests to its backends fail with 503; nothing is sent in plaintext.`, generation);
  else accepted = draft(Accepted, 'True', Reason.Accepted, 'Policy is accepted.', generation);
  const first = p.refProblems[0];
  const resolved =
    first === undefined
      ? draft(ResolvedRefs, 'True', Reason.ResolvedRefs, 'All references are resolved.', generation)
      : draft(ResolvedRefs, 'False', first.reason, p.refProblems.map((r) => r.message).join('; '), generation);
  return [accepted, resolved];
}

/** Resolves every cluster's BackendTLSPolicies (see the module doc). */
export function resolveBackendTls(index: FleetIndex): BackendTlsIndex {
  const byCluster = new Map<string, ResolvedPolicy[]>();
  for (const [name, cluster] of index.clusters) {
    const list = cluster.backendTLSPolicies.map((p) => resolvePolicy(cluster, p));
    // Precedence: oldest first, then namespace/name (the spec's order).
    list.sort((a, b) => compareOptionalTimes(a.created, b.created) || compareStrings(a.id, b.id));
    byCluster.set(name, list);
  }
  return {
    lookup(cluster, target) {
      const specific: ResolvedPolicy[] = [];
      const whole: ResolvedPolicy[] = [];
      const met: { id: string; verdict: Verdict }[] = [];
      for (const p of byCluster.get(cluster.locality.name) ?? []) {
        if ((p.policy.metadata.namespace ?? 'default') !== target.namespace) continue;
        for (const ref of p.policy.spec.targetRefs) {
          if (targetsKind(ref.group, ref.kind) !== target.kind || ref.name !== target.name) continue;
          const section = ref.sectionName ?? '';
          if (section === '') whole.push(p);
          else if (section === target.portName) specific.push(p);
          else if (!target.portNames.includes(section)) met.push({ id: p.id, verdict: { kind: 'targetNotFound', message: `${target.kind} ${target.namespace}/${target.name} has no port named "${section}" (targetRefs sectionName).` } });
        }
      }
      const candidates = specific.length > 0 ? specific : whole;
      const winner = candidates[0];
      for (const p of candidates) met.push({ id: p.id, verdict: p === winner ? { kind: 'applied' } : { kind: 'conflicted', winner: nsName(winner?.policy.metadata.namespace, winner?.policy.metadata.name ?? '') } });
      return { tls: winner?.tls, met };
    },
    statuses(reached, controllerName, now, previous) {
      const out: { cluster: string; policy: BackendTLSPolicyWithStatus }[] = [];
      for (const [cluster, list] of [...byCluster.entries()].sort(([a], [b]) => compareStrings(a, b))) {
        for (const p of [...list].sort((a, b) => compareStrings(a.id, b.id))) {
          const before = previous?.find((x) => x.cluster === cluster && nsName(x.policy.metadata.namespace, x.policy.metadata.name) === p.tls.policy)?.policy.status.ancestors;
          const ancestors = [...(reached.get(p.id) ?? new Map<string, Verdict>()).entries()]
            .sort(([a], [b]) => compareStrings(a, b))
            .map(([gateway, verdict]): PolicyAncestorStatus => {
              const [namespace = '', name = ''] = gateway.split('/');
              const ancestorRef: ParentReference = { group: GATEWAY_GROUP, kind: 'Gateway', namespace, name };
              const prior = before?.find((a) => a.ancestorRef.namespace === namespace && a.ancestorRef.name === name)?.conditions;
              return { ancestorRef, controllerName, conditions: settle(ancestorConditions(p, verdict, p.policy.metadata.generation), prior, now) };
            });
          out.push({ cluster, policy: { ...p.policy, status: { ancestors } } });
        }
      }
      return out;
    },
  };
}

/** Records that Gateway `gateway` (`ns/name`) reaches the policies `met`; an applied verdict wins over the others. */
export function recordReach(reached: Map<string, Map<string, Verdict>>, gateway: string, met: TlsLookup['met']): void {
  for (const { id, verdict } of met) {
    const byGateway = reached.get(id) ?? new Map<string, Verdict>();
    reached.set(id, byGateway);
    const current = byGateway.get(gateway);
    if (current === undefined || (verdict.kind === 'applied' && current.kind !== 'applied')) byGateway.set(gateway, verdict);
  }
}
