/**
 * Compiles the gateway IR into the runtime tables the request path reads:
 * hostname tables, matches with precompiled regular expressions, weight
 * tables, retry code sets and log/metric labels. Done once per apply, so a
 * request never compiles anything; a route that fails to compile (an invalid
 * regular expression) never matches and is reported, while the rest serve.
 * @module
 */
import { compileEntrySources } from '../entry-locality.ts';
import type { BackendIR, FiltersIR, GatewayIR, HttpListenerIR, RouteRuleIR, TrafficPolicyIR, VirtualHostIR } from '../../ir/index.ts';
import type { PickContext } from './upstream/index.ts';
import { jsonString } from './access-log.ts';
import { compileCors, type CompiledCors } from './cors.ts';
import { compileMatch, type CompiledMatch } from './match.ts';
import { compilePolicy, type CompiledPolicy } from './policy.ts';
import { compileTls, type CertificateSource, type CompiledTls, type SecureContextCache } from './tls.ts';
import { compileHosts, type HostTable } from './vhost.ts';
import { compileWeights, type WeightTable } from './weights.ts';

/**
 * Bound on a hung backend when a route sets no `backendRequest` timeout (ms):
 * at most this long to the response headers, and at most this long between two
 * body chunks (undici's headersTimeout / bodyTimeout), then 504 `UT` (or a cut
 * response once it started). With `backendRequest` set, that bounds the whole attempt.
 */
export const DEFAULT_BACKEND_TIMEOUT_MS = 15_000;

/** A backendRef ready to use. */
export interface CompiledBackend {
  readonly ir: BackendIR;
  /** Undefined when the ref is invalid (its share gets a 500). */
  readonly upstream: string | undefined;
  /** `ns/name`. */
  readonly service: string;
  /** `ns/name` for a ServiceImport backend, else null. */
  readonly serviceImport: string | null;
  /** Filters of this backendRef, or undefined when it has none. */
  readonly filters: FiltersIR | undefined;
  /** Access log fragment: `,"service":…,"service_import":…`. */
  readonly logBackend: string;
  /** The TrafficPolicy that applies when this backend is chosen (the rule's, else the upstream's). */
  readonly policy: CompiledPolicy | undefined;
}

/** A route rule ready to use. */
export interface CompiledRule {
  readonly ir: RouteRuleIR;
  /** `ns/name/ruleIndex` (access log, metrics). */
  readonly label: string;
  /** Access log fragment: `,"route":…`. */
  readonly logRoute: string;
  /** Undefined when the match failed to compile: the rule never matches. */
  readonly match: CompiledMatch | undefined;
  readonly filters: FiltersIR;
  readonly hasMirrors: boolean;
  /** The rule's CORS filter, compiled. */
  readonly cors: CompiledCors | undefined;
  readonly backends: WeightTable<CompiledBackend>;
  /** Whole-transaction timeout (0 = none). */
  readonly requestMs: number;
  /** Per-attempt timeout (0 = the default bound applies). */
  readonly backendRequestMs: number;
  /** Retry stanza: codes to retry, max retries, back-off base. */
  readonly retryCodes: ReadonlySet<number> | undefined;
  readonly retryAttempts: number;
  readonly retryBackoffMs: number | undefined;
}

/** A virtual host ready to use. */
export interface CompiledVhost {
  readonly hostname: string;
  readonly gateway: string;
  readonly listener: string;
  readonly rules: readonly CompiledRule[];
  /** Access log fragment: `,"gateway":…,"listener":…`. */
  readonly logVhost: string;
}

/** One listener's routing table (swapped atomically on apply). */
export interface CompiledListener {
  readonly ir: HttpListenerIR;
  readonly hosts: HostTable<CompiledVhost>;
  /** The first attempt's pick context (shared, never mutated). */
  readonly pickContext: PickContext;
  readonly cluster: string;
  readonly region: string | null;
  /** Access log fragment: `,"entry_region":…,"entry_cluster":…`. */
  readonly logEntry: string;
  /** Upstreams declared shadow-safe: mirrors may send them mutations. */
  readonly shadowSafe: ReadonlySet<string>;
  /** East-west listeners: the table as seen from the client's cluster (by source address), when known. */
  readonly bySource?: (remoteAddress: string | undefined) => CompiledListener | undefined;
  /** HTTPS: the listeners SNI selects and their certificates (tls.ts). */
  readonly tls?: CompiledTls;
}

/** What compiling TLS servers needs: the certificate material and the context cache. */
export interface TlsCompileContext {
  readonly source: CertificateSource | undefined;
  readonly cache: SecureContextCache;
}

/** A compile problem (reported by apply; the affected rule never matches). */
export interface CompileProblem {
  readonly listener: string;
  readonly rule: string;
  readonly message: string;
}

/** What compiling a listener needs besides the listener: policies by key and the policy of each upstream. */
interface CompileScope {
  readonly problems: CompileProblem[];
  readonly policies: ReadonlyMap<string, CompiledPolicy>;
  readonly upstreamPolicy: ReadonlyMap<string, string>;
  readonly shadowSafe: ReadonlySet<string>;
}

const EMPTY_SCOPE_MAPS = { policies: new Map<string, CompiledPolicy>(), upstreamPolicy: new Map<string, string>(), shadowSafe: new Set<string>() };

function compileBackend(b: BackendIR, rulePolicy: CompiledPolicy | undefined, scope: CompileScope): CompiledBackend {
  const service = `${b.namespace}/${b.name}`;
  const hasFilters = b.filters !== undefined && Object.keys(b.filters).length > 0;
  const serviceImport = b.kind === 'ServiceImport' ? service : null;
  return {
    ir: b,
    upstream: b.invalid === undefined ? b.upstream : undefined,
    service,
    serviceImport,
    filters: hasFilters ? b.filters : undefined,
    logBackend: `,"service":${jsonString(service)},"service_import":${jsonString(serviceImport)}`,
    policy: rulePolicy ?? (b.upstream === undefined ? undefined : scope.policies.get(scope.upstreamPolicy.get(b.upstream) ?? '')),
  };
}

function compileRule(r: RouteRuleIR, listener: string, scope: CompileScope): CompiledRule {
  let match: CompiledMatch | undefined;
  const rulePolicy = r.policy === undefined ? undefined : scope.policies.get(r.policy);
  try {
    match = compileMatch(r.match);
  } catch (err) {
    scope.problems.push({ listener, rule: r.name, message: `invalid match: ${err instanceof Error ? err.message : String(err)}` });
  }
  const retry = r.retry;
  const label = `${r.route.namespace}/${r.route.name}/${String(r.ruleIndex)}`;
  return {
    ir: r,
    label,
    logRoute: `,"route":${jsonString(label)}`,
    match,
    filters: r.filters,
    hasMirrors: (r.filters.mirrors?.length ?? 0) > 0,
    cors: r.filters.cors === undefined ? undefined : compileCors(r.filters.cors),
    backends: compileWeights(r.backends.map((b) => ({ weight: b.weight, value: compileBackend(b, rulePolicy, scope) }))),
    requestMs: r.timeouts?.requestMs ?? 0,
    backendRequestMs: r.timeouts?.backendRequestMs ?? 0,
    retryCodes: retry !== undefined && retry.attempts > 0 ? new Set(retry.codes) : undefined,
    retryAttempts: retry?.attempts ?? 0,
    retryBackoffMs: retry?.backoffMs,
  };
}

function compileVhost(v: VirtualHostIR, listenerKey: string, scope: CompileScope): CompiledVhost {
  return {
    hostname: v.hostname,
    gateway: v.gateway,
    listener: v.listener,
    rules: v.routes.map((r) => compileRule(r, listenerKey, scope)),
    logVhost: `,"gateway":${jsonString(v.gateway)},"listener":${jsonString(v.listener)}`,
  };
}

/** Compiles one listener (policies come from {@link compileGateway}; none when compiled alone). */
export function compileListener(l: HttpListenerIR, problems: CompileProblem[], maps: Omit<CompileScope, 'problems'> = EMPTY_SCOPE_MAPS, tlsContext?: TlsCompileContext): CompiledListener {
  const scope: CompileScope = { problems, ...maps };
  let tls: CompiledTls | undefined;
  if (l.tls !== undefined && tlsContext !== undefined) {
    tls = compileTls(l.tls, l.cluster, tlsContext.source, tlsContext.cache);
    for (const message of tls.problems) problems.push({ listener: l.key, rule: '', message: `certificate not loaded: ${message}` });
  }
  const vhosts = l.virtualHosts.map((v) => compileVhost(v, l.key, scope));
  const pickContext: PickContext = {
    entryCluster: l.cluster,
    ...(l.region !== undefined ? { entryRegion: l.region } : {}),
    ...(l.zone !== undefined ? { entryZone: l.zone } : {}),
  };
  const base: CompiledListener = {
    ir: l,
    hosts: compileHosts(vhosts.map((v) => ({ hostname: v.hostname, value: v }))),
    pickContext,
    cluster: l.cluster,
    region: l.region ?? null,
    logEntry: `,"entry_region":${jsonString(l.region ?? null)},"entry_cluster":${jsonString(l.cluster)}`,
    shadowSafe: scope.shadowSafe,
    ...(tls !== undefined ? { tls } : {}),
  };
  if (l.entryBySource === undefined || l.entryBySource.length === 0) return base;
  // One shared variant per entry cluster: requests only swap which (immutable) table they read.
  const lookup = compileEntrySources(l.entryBySource);
  const variants = new Map<string, CompiledListener>();
  const bySource = (remoteAddress: string | undefined): CompiledListener | undefined => {
    const entry = lookup(remoteAddress);
    if (entry === undefined) return undefined;
    let variant = variants.get(entry.cluster);
    if (variant === undefined) {
      variant = {
        ...base,
        pickContext: { entryCluster: entry.cluster, ...(entry.region !== undefined ? { entryRegion: entry.region } : {}), ...(entry.zone !== undefined ? { entryZone: entry.zone } : {}) },
        cluster: entry.cluster,
        region: entry.region ?? null,
        logEntry: `,"entry_region":${jsonString(entry.region ?? null)},"entry_cluster":${jsonString(entry.cluster)}`,
      };
      variants.set(entry.cluster, variant);
    }
    return variant;
  };
  return { ...base, bySource };
}

/**
 * The listeners compiled by the last {@link compileGateway} that used it, by IR object. A config
 * edit leaves almost every listener the same object (the control plane keeps unchanged ones, and
 * an embedded worker's IR delta keeps its own), so only new listeners are compiled again: 164
 * east-west listeners each parse their entry CIDRs, ~0.5 ms of the proxying thread per edit.
 */
export interface ListenerCompileCache {
  /** What the cached listeners were compiled against: the policy objects and the upstreams' policy fields. */
  scope?: { readonly policies: readonly TrafficPolicyIR[]; readonly upstreams: string };
  listeners: WeakMap<HttpListenerIR, { readonly compiled: CompiledListener; readonly problems: readonly CompileProblem[] }>;
}

/** An empty {@link ListenerCompileCache}. */
export function newListenerCompileCache(): ListenerCompileCache {
  return { listeners: new WeakMap() };
}

const samePolicies = (a: readonly TrafficPolicyIR[], b: readonly TrafficPolicyIR[]): boolean => a.length === b.length && a.every((p, i) => p === b[i]);

/** Compiles every listener of the IR (HTTPS ones with `tls`: without it, an HTTPS listener has no certificate); reuses `cache`'s where it can. */
export function compileGateway(ir: GatewayIR, tls?: TlsCompileContext, cache?: ListenerCompileCache): { listeners: CompiledListener[]; problems: CompileProblem[] } {
  const problems: CompileProblem[] = [];
  const policies = new Map<string, CompiledPolicy>((ir.policies ?? []).map((p: TrafficPolicyIR) => [p.key, compilePolicy(p)]));
  const upstreamPolicy = new Map<string, string>();
  const shadowSafe = new Set<string>();
  const fields: string[] = [];
  for (const u of ir.upstreams) {
    if (u.policy !== undefined) upstreamPolicy.set(u.key, u.policy);
    if (u.shadowSafe === true) shadowSafe.add(u.key);
    if (u.policy !== undefined || u.shadowSafe === true) fields.push(`${u.key}\u0000${u.policy ?? ''}\u0000${u.shadowSafe === true ? 1 : 0}`);
  }
  const scope = { policies: ir.policies ?? [], upstreams: fields.join('\u0001') };
  if (cache !== undefined && (cache.scope === undefined || cache.scope.upstreams !== scope.upstreams || !samePolicies(cache.scope.policies, scope.policies))) {
    cache.listeners = new WeakMap();
    cache.scope = scope;
  }
  const listeners = ir.listeners.map((l) => {
    // An HTTPS listener is compiled every time: its certificates come from the source, not the IR.
    const hit = l.tls === undefined ? cache?.listeners.get(l) : undefined;
    if (hit !== undefined) {
      problems.push(...hit.problems);
      return hit.compiled;
    }
    const own: CompileProblem[] = [];
    const compiled = compileListener(l, own, { policies, upstreamPolicy, shadowSafe }, tls);
    problems.push(...own);
    if (l.tls === undefined) cache?.listeners.set(l, { compiled, problems: own });
    return compiled;
  });
  return { listeners, problems };
}
