/**
 * The TrafficPolicy stage of the request path (issue 5), run once the
 * weighted backend is chosen: request class (mutation or read), the
 * `Idempotency-Key` requirement (428), the ownership key (400 when a mutation
 * lacks it), the owner and its fencing epoch (sent upstream as
 * `X-Lintas-Owner` / `X-Lintas-Owner-Epoch`; a client's older epoch is
 * refused with 409), and the pick context: Owner-mode mutations go only to
 * the owner's healthy endpoints (else 503 `owner_unavailable`, flag OU);
 * a gateway fed by a control plane also refuses them (503 `config_stale`, flag
 * SC) once its config is older than the staleness budget, since ownership may
 * have moved meanwhile (fail-static, seed 000 §17.2);
 * with `readYourWrites`, a read of a key mutated through this gateway within
 * the window prefers the owner (the nearest region may not have caught up);
 * other requests follow the policy's locality mode, with session affinity.
 * Mutations are never retried on a response, never mirrored unless the
 * mirror target is shadow-safe (mirror.ts).
 * @module
 */
import type { LocalityIR, OwnershipIR, OwnershipKeyIR, TrafficPolicyIR } from '../../ir/index.ts';
import { rendezvousPick } from '../../lib/index.ts';
import { jsonString } from './access-log.ts';
import type { Exchange } from './exchange.ts';
import type { ConfigFreshness } from './freshness.ts';
import { FLAG_FE, FLAG_OU, FLAG_SC } from './runtime.ts';
import type { PickContext } from './upstream/index.ts';

/** Response codes a policy `retry` retries when the route has no retry stanza of its own. */
const POLICY_RETRY_CODES: ReadonlySet<number> = new Set([502, 503, 504]);

/** A policy ready for the request path. */
export interface CompiledPolicy {
  readonly ir: TrafficPolicyIR;
  readonly mutationMethods: ReadonlySet<string>;
  /** Locality of non-owner picks; undefined = the default locality priorities. */
  readonly locality: LocalityIR | undefined;
  /** Access log fragment: `,"routing_mode":…,"policy":…`. */
  readonly logPolicy: string;
}

/** The failover phase of a request's ownership domain, as the access log's `failover_mode` says it (seed 000 §24.1). */
export type FailoverMode = 'normal' | 'degraded' | 'failover';

/** Compiles one policy. */
export function compilePolicy(p: TrafficPolicyIR): CompiledPolicy {
  const mode = p.locality.mode;
  return {
    ir: p,
    mutationMethods: new Set(p.mutationMethods.map((m) => m.toUpperCase())),
    locality: mode === 'LocalPreferred' || mode === 'Owner' ? undefined : p.locality,
    logPolicy: `,"routing_mode":${jsonString(mode)},"policy":${jsonString(p.key)}`,
  };
}

/** The owner of `key`: an exact key rule, else the longest matching prefix, else rendezvous over the default clusters; then failover moves. */
export function resolveOwner(o: OwnershipIR, key: string): string | undefined {
  return followMoves(o, configuredOwner(o, key));
}

/**
 * The owner of `key` (as {@link resolveOwner}) and its failover phase: `failover` when the
 * configured owner was moved, `degraded` when that owner's failover is under way without a move,
 * else `normal`.
 */
export function resolveOwnerAndMode(o: OwnershipIR, key: string): { owner: string | undefined; mode: FailoverMode } {
  const configured = configuredOwner(o, key);
  const mode = configured === undefined ? 'normal' : o.moved.some((m) => m.from === configured) ? 'failover' : o.degraded?.includes(configured) === true ? 'degraded' : 'normal';
  return { owner: followMoves(o, configured), mode };
}

/** The domain's worst phase, for a request without an ownership key: any move, failover; any degraded owner, degraded. */
export function domainFailoverMode(o: OwnershipIR): FailoverMode {
  return o.moved.length > 0 ? 'failover' : (o.degraded?.length ?? 0) > 0 ? 'degraded' : 'normal';
}

/** The owner of `key` by the map alone (before failover moves). */
function configuredOwner(o: OwnershipIR, key: string): string | undefined {
  let owner: string | undefined;
  let prefixLength = -1;
  for (const rule of o.rules) {
    if ('keys' in rule) {
      if (rule.keys.includes(key)) {
        owner = rule.cluster;
        break;
      }
    } else if (rule.prefix.length > prefixLength && key.startsWith(rule.prefix)) {
      owner = rule.cluster;
      prefixLength = rule.prefix.length;
    }
  }
  return owner ?? rendezvousPick(key, o.defaultClusters, (c) => c);
}

/** `owner` after failover moves. */
function followMoves(o: OwnershipIR, configured: string | undefined): string | undefined {
  let owner = configured;
  // Follow moves (a failed-over owner may itself have failed over); bounded by the number of moves.
  for (let i = 0; owner !== undefined && i < o.moved.length; i += 1) {
    const move = o.moved.find((m) => m.from === owner);
    if (move === undefined) break;
    owner = move.to;
  }
  return owner;
}

/** What a request offers for reading an ownership key. */
export interface KeySource {
  readonly path: string;
  readonly queryString: string;
  headers(): Record<string, string | string[] | undefined>;
}

/** Reads the ownership key of a request, or undefined when absent or empty. */
export function ownershipKeyOf(k: OwnershipKeyIR, req: KeySource): string | undefined {
  let value: string | undefined;
  if ('header' in k) {
    const v = req.headers()[k.header.toLowerCase()];
    value = Array.isArray(v) ? v[0] : v;
  } else if ('query' in k) {
    value = new URLSearchParams(req.queryString).get(k.query) ?? undefined;
  } else {
    const segment = req.path.split('/').filter((s) => s !== '')[k.pathSegment - 1];
    if (segment !== undefined) {
      try {
        value = decodeURIComponent(segment);
      } catch {
        value = segment;
      }
    }
  }
  value = value?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Where a key is read, for error messages. */
export function describeKey(k: OwnershipKeyIR): string {
  return 'header' in k ? `header ${k.header}` : 'query' in k ? `query parameter ${k.query}` : `path segment ${String(k.pathSegment)}`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function replyJson(ex: Exchange, status: number, flags: number, body: Record<string, unknown>): false {
  ex.replyJson(status, flags, body);
  return false;
}

/** Answers the request with 503 `owner_unavailable` (flag OU). */
export function replyOwnerUnavailable(ex: Exchange): void {
  replyJson(ex, 503, FLAG_OU, { error: 'owner_unavailable', owner: ex.owner ?? null, key: ex.ownershipKey ?? null });
}

/**
 * The refusal of an Owner-mode mutation on a stale config, or undefined when the config is
 * fresh enough (or not fed by a control plane). `now` is the data plane's clock.
 */
export function staleConfigRefusal(freshness: ConfigFreshness | undefined, now: number, policy: string): Record<string, unknown> | undefined {
  if (freshness === undefined || !freshness.stale(now)) return undefined;
  const age = freshness.ageMs(now);
  const seconds = (ms: number): string => `${String(Math.round(ms / 100) / 10)} s`;
  return {
    error: 'config_stale',
    message: `${age === undefined ? 'this gateway has no config confirmed by its control plane' : `this gateway's config was last confirmed by its control plane ${seconds(age)} ago`} (staleness budget ${seconds(freshness.budgetMs)}); ownership may have moved since, so Owner-mode mutations fail closed until it is current again; reads are still served`,
    policy,
    config_age_ms: age === undefined ? null : Math.round(age),
    stale_after_ms: freshness.budgetMs,
  };
}

/** Applies the chosen backend's policy to `ex`; false when the request was answered here. */
export function applyPolicy(ex: Exchange): boolean {
  const p = ex.backend?.policy;
  if (p === undefined) return true;
  ex.policy = p;
  const ir = p.ir;
  const mutation = p.mutationMethods.has(ex.method);
  ex.requestClass = mutation ? 'mutation' : 'read';
  if (mutation && ir.requireIdempotencyKey && !ex.idempotencyKey) {
    return replyJson(ex, 428, 0, { error: 'idempotency_key_required', policy: ir.key });
  }
  const extra: { -readonly [K in keyof PickContext]?: PickContext[K] } = {};
  if (p.locality !== undefined) {
    extra.locality = p.locality;
    extra.policyKey = ir.key;
  }
  const o = ir.ownership;
  if (o !== undefined) {
    const key = ownershipKeyOf(o.key, ex);
    if (key === undefined) {
      ex.failoverMode = domainFailoverMode(o);
      if (mutation) return replyJson(ex, 400, 0, { error: 'ownership_key_missing', expected: describeKey(o.key), policy: ir.key });
    } else {
      const { owner, mode } = resolveOwnerAndMode(o, key);
      ex.failoverMode = mode;
      ex.ownershipKey = key;
      ex.owner = owner;
      ex.ownerEpoch = o.epoch;
      if (mutation && ex.clientEpoch !== undefined) {
        const seen = Number(ex.clientEpoch);
        if (!Number.isInteger(seen) || seen < o.epoch) {
          return replyJson(ex, 409, FLAG_FE, { error: 'stale_epoch', epoch: Number.isInteger(seen) ? seen : ex.clientEpoch, current: o.epoch, owner: owner ?? null });
        }
      }
      // The domain names whose epoch this is (one fencing epoch per policy), so a backend can keep one per domain.
      if (owner !== undefined) ex.outHeaders.push('x-lintas-owner', owner, 'x-lintas-owner-epoch', String(o.epoch), 'x-lintas-owner-domain', ir.key);
      if (ir.locality.mode === 'Owner' && (mutation || o.reads === 'Owner')) {
        // Before anything else: on a stale config the owner itself may be wrong.
        const stale = mutation ? staleConfigRefusal(ex.rt.freshness, ex.rt.now(), ir.key) : undefined;
        if (stale !== undefined) return replyJson(ex, 503, FLAG_SC, { ...stale, owner: owner ?? null, key });
        if (owner === undefined) {
          replyOwnerUnavailable(ex);
          return false;
        }
        extra.ownerCluster = owner;
        ex.ownerStrict = true;
      }
      const ryw = o.readYourWrites;
      if (ryw !== undefined && ir.locality.mode === 'Owner' && owner !== undefined) {
        // Remembered before the answer: a read racing its own write must not go to a region that lags.
        if (mutation) ex.rt.recentWrites.record(ir.key, key, ryw.windowMs, ryw.maxKeys);
        else if (ex.rt.recentWrites.has(ir.key, key)) extra.preferCluster = owner;
      }
    }
  }
  const affinity = ir.sessionAffinity;
  if (affinity !== undefined) {
    const headers = ex.headers();
    const raw = 'header' in affinity ? headers[affinity.header.toLowerCase()] : cookieValue(headers.cookie, affinity.cookie);
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined && value !== '') extra.affinityKey = value;
  }
  if (Object.keys(extra).length > 0) ex.pickCtx = { ...ex.table.pickContext, ...extra };
  if (ir.retry !== undefined) {
    ex.retryAttempts = ir.retry.attempts;
    ex.retryCodes ??= ir.retry.attempts > 0 ? POLICY_RETRY_CODES : undefined;
  }
  if (mutation) {
    // Only connect failures (nothing reached the backend) are retried, and only within the pick context (the owner).
    ex.retryCodes = undefined;
  }
  const t = ir.timeouts;
  if (t?.backendRequestMs !== undefined && t.backendRequestMs > 0 && (ex.backendRequestMs === 0 || t.backendRequestMs < ex.backendRequestMs)) {
    ex.backendRequestMs = t.backendRequestMs;
  }
  if (t?.requestMs !== undefined && t.requestMs > 0) ex.tightenRequestTimeout(t.requestMs);
  return true;
}

/** What a TrafficPolicy does with one request (for `route explain`). */
export interface PolicyExplain {
  readonly policy: string;
  readonly mode: string;
  readonly requestClass: 'mutation' | 'read';
  readonly ownershipKey?: string;
  readonly owner?: string;
  readonly epoch?: number;
  /** A local answer the policy gives (428, 400, 503 when no owner), else undefined. */
  readonly answer?: number;
  /** One sentence: where the request may go and why. */
  readonly decision: string;
  /** Extra pick context the policy sets (locality mode, owner). */
  readonly pick: Pick<PickContext, 'locality' | 'policyKey' | 'ownerCluster'>;
}

/** Explains what `p` does with a request, without sending anything. */
export function explainPolicy(p: TrafficPolicyIR, method: string, req: KeySource & { readonly idempotencyKey: boolean }): PolicyExplain {
  const compiled = compilePolicy(p);
  const mutation = compiled.mutationMethods.has(method.toUpperCase());
  const base = { policy: p.key, mode: p.locality.mode, requestClass: mutation ? ('mutation' as const) : ('read' as const) };
  const pick = compiled.locality !== undefined ? { locality: compiled.locality, policyKey: p.key } : {};
  if (mutation && p.requireIdempotencyKey && !req.idempotencyKey) {
    return { ...base, answer: 428, decision: 'a mutation without Idempotency-Key is refused with 428', pick };
  }
  const o = p.ownership;
  if (o === undefined) return { ...base, decision: `${p.locality.mode}: ${mutation ? 'mutation' : 'read'} follows the locality mode`, pick };
  const key = ownershipKeyOf(o.key, req);
  if (key === undefined) {
    return mutation
      ? { ...base, answer: 400, decision: `a mutation without its ownership key (${describeKey(o.key)}) is refused with 400`, pick }
      : { ...base, decision: `no ownership key (${describeKey(o.key)}): the read goes to the nearest healthy cluster`, pick };
  }
  const owner = resolveOwner(o, key);
  const strict = p.locality.mode === 'Owner' && (mutation || o.reads === 'Owner');
  const common = { ...base, ownershipKey: key, ...(owner !== undefined ? { owner } : {}), epoch: o.epoch };
  if (!strict) {
    const ryw = p.locality.mode === 'Owner' && o.readYourWrites !== undefined ? `; within ${String(o.readYourWrites.windowMs / 1000)}s of a write of ${key} through this gateway, its owner (read-your-writes)` : '';
    return { ...common, decision: `${mutation ? 'mutation' : 'read'} of ${key} (owner ${owner ?? 'none'}): ${mutation ? 'the locality mode decides' : `nearest healthy cluster (reads: Nearest)${ryw}`}`, pick };
  }
  if (owner === undefined) return { ...common, answer: 503, decision: `no cluster owns ${key}: 503 owner_unavailable`, pick };
  const moved = o.moved.some((m) => m.to === owner);
  return {
    ...common,
    decision: `${mutation ? 'mutation' : 'read'} of ${key}: only the owner ${owner}${moved ? ' (after failover)' : ''}, epoch ${String(o.epoch)}; 503 owner_unavailable when it has no healthy endpoint, never another cluster`,
    pick: { ...pick, ownerCluster: owner },
  };
}
