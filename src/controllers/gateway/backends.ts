/**
 * backendRef resolution (HTTPRoute backendRefs and RequestMirror targets): group/kind
 * first (`InvalidKind`), then the cross-namespace ReferenceGrant (`RefNotPermitted`, so a
 * missing grant never reveals whether the target exists), then the object and its port
 * (`BackendNotFound`) and the port's appProtocol (`UnsupportedProtocol`).
 *
 * Supported kinds: core `Service` (endpoints in the entry cluster) and `ServiceImport` of
 * `multicluster.x-k8s.io` or GKE's `net.gke.io` (endpoints across the ClusterSet, GEP-1748).
 * ExternalName Services are refused (`BackendNotFound`), as the spec advises.
 * @module
 */
import { GATEWAY_GROUP, GKE_MCS_GROUP, MCS_GROUP } from '../../api/index.ts';
import type { UpstreamIR } from '../../ir/index.ts';
import type { BackendRefReason } from './conditions.ts';
import { nsName, type ClusterIndex, type FleetIndex } from './fleet-index.ts';
import type { BackendTlsIndex, TlsLookup, TlsTarget } from './backend-tls.ts';
import { referencePermitted } from './reference-grants.ts';
import { importUpstream, importUpstreamKey, serviceUpstream, serviceUpstreamKey, upstreamProtocol, type UpstreamVariant } from './upstreams.ts';

/** A backendRef or mirror backendRef, defaults applied (group "" and kind Service). */
export interface BackendRefLike {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly port?: number;
}

/** A resolved (or not) backendRef. */
export type ResolvedBackend =
  | { readonly ok: true; readonly kind: 'Service' | 'ServiceImport'; readonly namespace: string; readonly name: string; readonly port: number; readonly upstream: string }
  | { readonly ok: false; readonly kind: 'Service' | 'ServiceImport'; readonly namespace: string; readonly name: string; readonly port: number; readonly reason: BackendRefReason; readonly message: string };

/** Where a route's backendRefs are resolved, and the upstreams collected so far (shared by every route of a run). */
export interface BackendContext {
  readonly index: FleetIndex;
  /** The route's cluster: the entry cluster of every Gateway it attaches to. */
  readonly cluster: ClusterIndex;
  readonly routeNamespace: string;
  /** Upstreams by key, filled as refs resolve. */
  readonly upstreams: Map<string, UpstreamIR>;
  /** The referring route's kind (ReferenceGrants name it; a GRPCRoute's backends are spoken to in HTTP/2). Default HTTPRoute. */
  readonly routeKind?: 'HTTPRoute' | 'GRPCRoute';
  /** BackendTLSPolicies, and where the policies this route's backends met are collected (their status). */
  readonly backendTls?: BackendTlsIndex;
  readonly tlsMet?: TlsLookup['met'][number][];
}

/**
 * The variant of an upstream this route needs (see {@link UpstreamVariant}): TLS from the policy the target
 * meets, HTTP/2 for a GRPCRoute. Keys get a suffix for what differs from the plain upstream: `#h2c` when
 * HTTP/2 is forced, `#tls@<cluster>` for a ServiceImport re-encrypted by this cluster's policy (its key
 * is shared by every cluster).
 */
function variantFor(ctx: BackendContext, target: TlsTarget, baseKey: string, appProtocol: string | undefined): UpstreamVariant {
  const found = ctx.backendTls?.lookup(ctx.cluster, target);
  if (found !== undefined) ctx.tlsMet?.push(...found.met);
  const http2 = ctx.routeKind === 'GRPCRoute' && upstreamProtocol(appProtocol) !== 'h2c';
  const tls = found?.tls;
  const key = `${baseKey}${http2 ? '#h2c' : ''}${tls !== undefined && target.kind === 'ServiceImport' ? `#tls@${ctx.cluster.locality.name}` : ''}`;
  return { key, ...(tls !== undefined ? { tls } : {}), ...(http2 ? { http2: true as const } : {}) };
}

/**
 * appProtocols the upstream side can speak: HTTP/1.1 (`kubernetes.io/ws` is WebSocket over
 * HTTP/1.1 Upgrade, which every HTTP backend gets) and cleartext HTTP/2 with prior knowledge
 * (`kubernetes.io/h2c`, GEP-1911).
 */
const HTTP_APP_PROTOCOLS = new Set(['http', 'kubernetes.io/http', 'kubernetes.io/ws', 'kubernetes.io/h2c']);

function appProtocolProblem(appProtocol: string | undefined, what: string): string | undefined {
  if (appProtocol === undefined || HTTP_APP_PROTOCOLS.has(appProtocol.toLowerCase())) return undefined;
  return `${what} has appProtocol "${appProtocol}"; Lintas speaks HTTP/1.1 and h2c (kubernetes.io/h2c) to backends`;
}

/** Resolves one backendRef in the route's cluster, registering its upstream when it resolves. */
export function resolveBackend(ctx: BackendContext, ref: BackendRefLike): ResolvedBackend {
  const namespace = ref.namespace ?? ctx.routeNamespace;
  const group = ref.group === 'core' ? '' : ref.group;
  const isService = group === '' && ref.kind === 'Service';
  const isImport = (group === MCS_GROUP || group === GKE_MCS_GROUP) && ref.kind === 'ServiceImport';
  const kind = isImport ? 'ServiceImport' : 'Service';
  const port = ref.port ?? 0;
  const base = { kind, namespace, name: ref.name, port } as const;
  const fail = (reason: BackendRefReason, message: string): ResolvedBackend => ({ ok: false, ...base, reason, message });
  const cluster = ctx.cluster.locality.name;

  if (!isService && !isImport) {
    return fail('InvalidKind', `backendRef ${group === '' ? '' : `${group}/`}${ref.kind} ${namespace}/${ref.name} is not a supported kind (core Service, ${MCS_GROUP} or ${GKE_MCS_GROUP} ServiceImport)`);
  }
  const routeKind = ctx.routeKind ?? 'HTTPRoute';
  const permitted = referencePermitted(ctx.cluster, { group: GATEWAY_GROUP, kind: routeKind, namespace: ctx.routeNamespace }, { group, kind, namespace, name: ref.name });
  if (!permitted) {
    return fail('RefNotPermitted', `${kind} ${namespace}/${ref.name} is in another namespace and no ReferenceGrant in ${namespace} allows ${routeKind}s from ${ctx.routeNamespace} to refer to it`);
  }

  if (isService) {
    const service = ctx.cluster.services.get(nsName(namespace, ref.name));
    if (service === undefined) return fail('BackendNotFound', `Service ${namespace}/${ref.name} not found in cluster ${cluster}`);
    if (service.spec.type === 'ExternalName') return fail('BackendNotFound', `Service ${namespace}/${ref.name} is an ExternalName Service, which Lintas does not route to`);
    if (ref.port === undefined) return fail('BackendNotFound', `backendRef to Service ${namespace}/${ref.name} has no port`);
    const servicePort = (service.spec.ports ?? []).find((p) => p.port === ref.port && p.protocol === 'TCP');
    if (servicePort === undefined) return fail('BackendNotFound', `Service ${namespace}/${ref.name} in cluster ${cluster} has no TCP port ${ref.port}`);
    const problem = appProtocolProblem(servicePort.appProtocol, `Service ${namespace}/${ref.name} port ${ref.port}`);
    if (problem !== undefined) return fail('UnsupportedProtocol', problem);
    const portNames = (service.spec.ports ?? []).map((p) => p.name ?? '');
    const variant = variantFor(ctx, { kind, namespace, name: ref.name, portName: servicePort.name ?? '', portNames }, serviceUpstreamKey(cluster, namespace, ref.name, servicePort.port), servicePort.appProtocol);
    if (!ctx.upstreams.has(variant.key)) ctx.upstreams.set(variant.key, serviceUpstream(ctx.cluster, service, servicePort, variant));
    return { ok: true, ...base, upstream: variant.key };
  }

  const serviceImport = ctx.cluster.serviceImports.get(nsName(namespace, ref.name));
  if (serviceImport === undefined) {
    return fail('BackendNotFound', `ServiceImport ${namespace}/${ref.name} not found in cluster ${cluster} (no valid ServiceExport of it in the ClusterSet, or namespace ${namespace} does not exist in ${cluster})`);
  }
  const ports = serviceImport.spec.ports.filter((p) => p.protocol === 'TCP');
  // A ServiceImport ref may omit the port when the import has exactly one.
  const importPort = ref.port === undefined ? (ports.length === 1 ? ports[0] : undefined) : ports.find((p) => p.port === ref.port);
  if (importPort === undefined) {
    return fail('BackendNotFound', ref.port === undefined ? `backendRef to ServiceImport ${namespace}/${ref.name} needs a port (it has ${ports.length} TCP ports)` : `ServiceImport ${namespace}/${ref.name} has no TCP port ${ref.port}`);
  }
  const problem = appProtocolProblem(importPort.appProtocol, `ServiceImport ${namespace}/${ref.name} port ${importPort.port}`);
  if (problem !== undefined) return fail('UnsupportedProtocol', problem);
  const portNames = serviceImport.spec.ports.map((p) => p.name ?? '');
  const variant = variantFor(ctx, { kind, namespace, name: ref.name, portName: importPort.name ?? '', portNames }, importUpstreamKey(namespace, ref.name, importPort.port), importPort.appProtocol);
  if (!ctx.upstreams.has(variant.key)) ctx.upstreams.set(variant.key, importUpstream(ctx.index, ctx.cluster, serviceImport, importPort, variant));
  return { ok: true, ...base, port: importPort.port, upstream: variant.key };
}
