/**
 * The gateway role (`lintas gateway --cluster NAME`): one cluster's data plane,
 * fed by the control plane's config stream instead of a fleet directory.
 *
 * - It connects with its cluster's token and, on every reconnect, resumes from
 *   the version it serves (`since`), with exponential back-off and jitter.
 * - Each version is checked (`check-ir.ts`) and applied to a local data plane
 *   (HTTP gateway, TCP proxy, upstream set). Then it ACKs; a version that fails
 *   the check or to apply (a listener that cannot bind) is rolled back, so the last
 *   good version keeps serving, and NACKed with the error.
 * - Fail-static: without the control plane it keeps serving its last version.
 *   The config counts as current while the stream confirms it (config frames and
 *   heartbeats naming the served version, or naming a version it rejected whose
 *   ownership is the same as the served one's); once it has not been confirmed for
 *   the staleness budget, Owner-mode mutations fail closed (`ConfigFreshness`).
 * - Ready once the first version is applied; `/readyz` says why not, and warns while
 *   disconnected, stale or serving an older version than the one it rejected.
 * - With `workers` > 1 the data plane runs on that many worker threads sharing the
 *   listeners (SO_REUSEPORT, `worker-pool.ts`): a version is ACKed once every worker
 *   applied it, and the report and `/metrics` are every worker's, summed.
 * @module
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { shareIr, type ConfigFrame, type DataPlaneReport, type GatewayIR } from '../../ir/index.ts';
import { createRegistry, startAdminServer, type AdminServer, type Logger, type LogLevel } from '../../observability/index.ts';
import { ConfigFreshness, DEFAULT_STALE_AFTER_MS } from '../gateway/index.ts';
import type { UpstreamSetOptions } from '../gateway/upstream/index.ts';
import { checkGatewayIR } from './check-ir.ts';
import { createRoleMetrics } from './metrics.ts';
import { createRoleDataPlane, type WorkerStatus } from './role-data-plane.ts';
import { readConfigStream } from './stream-client.ts';

/** Options of {@link startGatewayRole}. */
export interface GatewayRoleOptions {
  readonly cluster: string;
  /**
   * Base URLs of the control plane's replicas' admin APIs, e.g. `http://127.0.0.1:7070`. The stream
   * goes to one at a time; when it fails or the replica is not the leader (503), the next one is tried.
   */
  readonly controlPlaneUrls: readonly string[];
  /** Bearer token with the role `gateway:<cluster>`. */
  readonly token: string;
  readonly log: Logger;
  /** Metrics registry (default: a new one with process metrics). */
  readonly registry?: Registry;
  /** Access log file; stdout (`write`) without one. */
  readonly accessLogPath?: string;
  readonly write?: (chunk: string) => void;
  /** Staleness budget (default 30 s). */
  readonly staleAfterMs?: number;
  /** Report interval (default {@link REPORT_INTERVAL_MS}; 0: never report). */
  readonly reportIntervalMs?: number;
  /** Reconnect back-off: first delay and cap (default 200 ms, 5 s), with jitter. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Epoch ms clock of the data plane and the staleness check (default performance-based). */
  readonly now?: () => number;
  /** [0, 1) for the back-off jitter (default Math.random). */
  readonly random?: () => number;
  /** Upstream health checks (tests turn them off). */
  readonly healthCheck?: UpstreamSetOptions['healthCheck'];
  /** Serve `/readyz`, `/healthz`, `/metrics` and `/api/v1/gateway-role` here. */
  readonly admin?: { readonly host: string; readonly port: number; readonly allowedHosts?: readonly string[] };
  /**
   * Data-plane worker threads (default 1: the data plane runs on this thread). Workers use the
   * performance clock (`now` drives this thread only) and only `healthCheck.enabled`.
   */
  readonly workers?: number;
  /** Lowest level of the workers' log lines (default info). */
  readonly logLevel?: LogLevel;
  /** `file:` URL of the module the workers run (tests wrap the data-plane worker to inject faults). */
  readonly workerModule?: string;
}

/** A version as the role knows it. */
export interface RoleVersion {
  readonly version: string;
  readonly generation: number;
  /** Epoch ms (role clock). */
  readonly at: number;
}

/** What the role is doing: `/api/v1/gateway-role`, and what tests wait for. */
export interface GatewayRoleStatus {
  readonly cluster: string;
  /** The replica the stream goes to now (or will try next). */
  readonly controlPlane: string;
  /** Every replica it may use, in the order they are tried. */
  readonly controlPlanes: readonly string[];
  readonly connected: boolean;
  /** The version it serves (applied and ACKed). */
  readonly serving?: RoleVersion;
  /** The last version it rejected, with the error (cleared when a newer version applies). */
  readonly rejected?: RoleVersion & { readonly error: string };
  /** Since the control plane last confirmed the served version (ms); undefined before the first. */
  readonly configAgeMs?: number;
  readonly staleAfterMs: number;
  /** Owner-mode mutations are refused (the config is older than the budget). */
  readonly stale: boolean;
  readonly acks: number;
  readonly nacks: number;
  readonly reconnects: number;
  /** Why the last connection ended. */
  readonly lastError?: string;
  /** Listeners bound (`address:port`). */
  readonly bound: readonly string[];
  /** The data-plane worker threads (empty when the data plane runs on the role's thread). */
  readonly workers: readonly WorkerStatus[];
  /** Worker threads that exited and were started again, in total. */
  readonly workerRestarts: number;
}

/** A running gateway role. */
export interface GatewayRole {
  /** Admin URL when `admin` was given. */
  readonly adminUrl?: string;
  readonly registry: Registry;
  status(): GatewayRoleStatus;
  /** Why it is not ready (undefined once the first version is applied). */
  notReady(): string | undefined;
  /** `/readyz` warnings while ready. */
  readyDetail(): string[];
  /** The data plane's report (merged over workers; it refreshes each worker's `requests`). */
  report(): Promise<DataPlaneReport>;
  /** Stops the stream, the listeners and the admin server. */
  close(): Promise<void>;
}

const EMPTY_IR: GatewayIR = { listeners: [], upstreams: [] };
const ACK_TIMEOUT_MS = 5_000;
/** How often a connected gateway posts its report (counters, endpoints out of rotation) to the control plane. */
export const REPORT_INTERVAL_MS = 1_000;
const performanceClock = (): number => performance.timeOrigin + performance.now();

/** Starts the role: data plane (nothing bound until the first version), admin server, then the stream. */
export async function startGatewayRole(options: GatewayRoleOptions): Promise<GatewayRole> {
  const { cluster, log } = options;
  if (options.controlPlaneUrls.length === 0) throw new Error('at least one control-plane URL is needed');
  const bases = options.controlPlaneUrls.map((u) => new URL(u));
  // The replica in use: acknowledgements go where the stream comes from (the leader that waits for them).
  let current = 0;
  const base = (): URL => bases[current] ?? (bases[0] as URL);
  const now = options.now ?? performanceClock;
  const random = options.random ?? Math.random;
  const initialMs = options.backoff?.initialMs ?? 200;
  const maxMs = options.backoff?.maxMs ?? 5_000;
  const registry = options.registry ?? createRegistry();
  const freshness = new ConfigFreshness(options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
  const local = createRoleDataPlane(options, { registry, freshness, now });
  // The control plane vouched for the served config at `receivedAt`: here, and in every worker.
  const confirm = (receivedAt: number): void => {
    freshness.confirm(receivedAt);
    local.confirmed(Math.max(0, now() - receivedAt));
  };

  let serving: (RoleVersion & { readonly ir: GatewayIR; readonly certificates?: ConfigFrame['certificates'] }) | undefined;
  let rejected: (RoleVersion & { readonly error: string }) | undefined;
  // Whether the rejected version routes owners as the served one does: then heartbeats naming it still vouch for ownership.
  let rejectedKeepsOwnership = false;
  let connected = false;
  let disconnectedAt: number | undefined = now();
  let lastError: string | undefined;
  let acks = 0;
  let nacks = 0;
  let reconnects = 0;
  // Versions received and not applied yet: only the newest is applied (xDS coalescing), one at a time.
  let next: { frame: ConfigFrame; receivedAt: number } | undefined;
  let applying: Promise<void> | undefined;
  let acking: Promise<void> = Promise.resolve();
  const stopping = new AbortController();

  const status = (): GatewayRoleStatus => {
    const at = now();
    const age = freshness.ageMs(at);
    return {
      cluster,
      controlPlane: base().origin,
      controlPlanes: bases.map((b) => b.origin),
      connected,
      ...(serving !== undefined ? { serving: { version: serving.version, generation: serving.generation, at: serving.at } } : {}),
      ...(rejected !== undefined ? { rejected } : {}),
      ...(age !== undefined ? { configAgeMs: Math.round(age) } : {}),
      staleAfterMs: freshness.budgetMs,
      stale: serving !== undefined && freshness.stale(at),
      acks,
      nacks,
      reconnects,
      ...(lastError !== undefined ? { lastError } : {}),
      bound: local.bound(),
      workers: local.workers(),
      workerRestarts: local.restarts(),
    };
  };
  createRoleMetrics(registry, status);

  const postAck = (frame: ConfigFrame, ok: boolean, applyMs: number, error?: string): void => {
    const url = new URL(`/api/v1/config-stream/${encodeURIComponent(cluster)}/ack`, base());
    const body = JSON.stringify({ version: frame.version, generation: frame.generation, ok, applyMs: Math.round(applyMs * 1000) / 1000, ...(error !== undefined ? { error } : {}) });
    // In order, off the apply path; a lost ACK is repaired by the next connect (`since` is the served version).
    acking = acking.then(async () => {
      // Twice: a kept-alive connection the control plane closed (a restart) fails the first try at once.
      for (let attempt = 1; attempt <= 2 && !stopping.signal.aborted; attempt++) {
        try {
          const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' }, body, signal: AbortSignal.any([AbortSignal.timeout(ACK_TIMEOUT_MS), stopping.signal]) });
          await res.arrayBuffer();
          if (res.status !== 200) log.warn('config acknowledgement refused', { version: frame.version, status: res.status });
          return;
        } catch (e) {
          if (attempt === 2) log.info('config acknowledgement not delivered; the next connect reports the served version', { version: frame.version, error: (e as Error).message });
        }
      }
    });
  };

  const applyOne = async (received: ConfigFrame, receivedAt: number): Promise<void> => {
    const started = now();
    // Parsed from JSON, a version shares no object with the last: give it the served version's objects
    // where they are equal, so that the workers get a delta of what changed and skip the rest (ir/share.ts).
    const frame = serving === undefined || serving.version === received.version ? received : { ...received, ir: shareIr(serving.ir, received.ir) };
    if (serving?.version === frame.version) {
      confirm(receivedAt);
      postAck(frame, true, 0);
      return;
    }
    let error: string | undefined;
    const problems = checkGatewayIR(frame.ir);
    if (problems.length > 0) {
      error = `invalid config (${String(problems.length)} problem(s)): ${problems.slice(0, 20).join('; ')}`;
    } else {
      try {
        const result = await local.apply(frame.ir, frame.certificates);
        if (result.failed.length > 0) error = `cannot bind ${result.failed.map((f) => `${f.key} (${f.error})`).join(', ')}`;
      } catch (e) {
        error = `apply failed: ${(e as Error).message}`;
      }
      if (error !== undefined) {
        // Back to the last good version: listeners the bad one bound are drained, swapped tables swapped back.
        try {
          await local.apply(serving?.ir ?? EMPTY_IR, serving?.certificates);
        } catch (e) {
          log.error('restoring the last good config failed', { error: (e as Error).message });
        }
      }
    }
    const applyMs = now() - started;
    if (error !== undefined) {
      rejected = { version: frame.version, generation: frame.generation, at: now(), error };
      rejectedKeepsOwnership = serving !== undefined && ownershipOf(frame.ir) === ownershipOf(serving.ir);
      nacks += 1;
      log.error('config version rejected (NACK); the last good version keeps serving', { cluster, version: frame.version, generation: frame.generation, serving: serving?.version ?? null, error });
      postAck(frame, false, applyMs, error);
      return;
    }
    serving = { version: frame.version, generation: frame.generation, at: now(), ir: frame.ir, ...(frame.certificates !== undefined ? { certificates: frame.certificates } : {}) };
    rejected = undefined;
    // Current as of when the control plane sent it.
    confirm(receivedAt);
    acks += 1;
    log.info('config version applied (ACK)', { cluster, version: frame.version, generation: frame.generation, applyMs: Math.round(applyMs), listeners: frame.ir.listeners.length, upstreams: frame.ir.upstreams.length });
    postAck(frame, true, applyMs);
  };

  // The report: the control plane's alerts, health view and console read it as they read the embedded gateways'.
  let reporting = false;
  const postReport = async (): Promise<void> => {
    if (!connected || reporting || stopping.signal.aborted) return;
    reporting = true;
    try {
      const full = await local.report();
      // Only endpoints out of rotation: the only states the control plane acts on, and a large fleet's full list would not fit.
      const report = { ...full, observation: { ...full.observation, endpoints: full.observation.endpoints.filter((e) => e.state === 'unhealthy' || e.state === 'ejected') } };
      const res = await fetch(new URL(`/api/v1/config-stream/${encodeURIComponent(cluster)}/report`, base()), {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(report),
        signal: AbortSignal.any([AbortSignal.timeout(ACK_TIMEOUT_MS), stopping.signal]),
      });
      await res.arrayBuffer();
      if (res.status !== 204) log.debug('report refused', { status: res.status });
    } catch (e) {
      log.debug('report not delivered', { error: (e as Error).message });
    } finally {
      reporting = false;
    }
  };
  const reportIntervalMs = options.reportIntervalMs ?? REPORT_INTERVAL_MS;
  const reportTimer = reportIntervalMs > 0 ? setInterval(() => void postReport(), reportIntervalMs) : undefined;
  reportTimer?.unref();

  const drain = async (): Promise<void> => {
    while (next !== undefined && !stopping.signal.aborted) {
      const { frame, receivedAt } = next;
      next = undefined;
      await applyOne(frame, receivedAt);
    }
    applying = undefined;
  };

  const run = async (): Promise<void> => {
    let failures = 0;
    // Replicas tried since the last one that streamed: back off only once every replica failed.
    let tried = 0;
    while (!stopping.signal.aborted) {
      const url = new URL(`/api/v1/config-stream/${encodeURIComponent(cluster)}`, base());
      if (serving !== undefined) url.searchParams.set('since', serving.version);
      try {
        for await (const frame of readConfigStream({ url, cluster, token: options.token, signal: stopping.signal })) {
          const receivedAt = now();
          if (frame.type === 'hello') {
            if (!connected) log.info('config stream connected', { cluster, controlPlane: base().origin, since: serving?.version ?? null });
            connected = true;
            disconnectedAt = undefined;
            failures = 0;
            tried = 0;
          } else if (frame.type === 'config') {
            next = { frame, receivedAt };
            applying ??= drain();
          } else if (frame.version !== null && next === undefined && (frame.version === serving?.version || (frame.version === rejected?.version && rejectedKeepsOwnership))) {
            confirm(receivedAt);
          }
        }
      } catch (e) {
        lastError = (e as Error).message;
        if (!stopping.signal.aborted) log.warn('config stream lost; the last config keeps serving (fail-static)', { cluster, controlPlane: base().origin, error: lastError, serving: serving?.version ?? null });
      }
      if (connected) disconnectedAt = now();
      connected = false;
      if (stopping.signal.aborted) break;
      reconnects += 1;
      // The next replica: a follower refuses (503 not_leader), a dead one does not answer.
      current = (current + 1) % bases.length;
      tried += 1;
      if (tried < bases.length) continue;
      tried = 0;
      failures += 1;
      const capped = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 20));
      // Jitter (half to full delay) keeps a fleet of gateways from reconnecting in step.
      await delay(capped * (0.5 + random() / 2), undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  };

  const notReady = (): string | undefined => {
    if (serving !== undefined) return undefined;
    if (rejected !== undefined) return `no config applied: version ${rejected.version} was rejected: ${rejected.error}`;
    return connected ? `waiting for the first config of cluster ${cluster} from ${base().origin}` : `no config yet: control plane ${bases.map((b) => b.origin).join(', ')} not connected${lastError !== undefined ? ` (${lastError})` : ''}`;
  };
  const readyDetail = (): string[] => {
    const lines: string[] = [];
    const at = now();
    if (!connected && disconnectedAt !== undefined) lines.push(`control plane ${bases.map((b) => b.origin).join(', ')} not connected for ${String(Math.round((at - disconnectedAt) / 1000))} s${lastError !== undefined ? ` (${lastError})` : ''}: serving the last config (fail-static)`);
    if (serving !== undefined && freshness.stale(at)) lines.push(`config not confirmed for ${String(Math.round((freshness.ageMs(at) ?? 0) / 1000))} s (budget ${String(freshness.budgetMs / 1000)} s): Owner-mode mutations are refused (503 config_stale)`);
    if (rejected !== undefined) lines.push(`version ${rejected.version} (generation ${String(rejected.generation)}) rejected: ${rejected.error}; serving ${serving?.version ?? 'nothing'}`);
    return lines;
  };

  let admin: AdminServer | undefined;
  if (options.admin !== undefined) {
    try {
      admin = await startAdminServer({
        host: options.admin.host,
        port: options.admin.port,
        ...(options.admin.allowedHosts !== undefined ? { allowedHosts: options.admin.allowedHosts } : {}),
        log: log.child({ component: 'admin' }),
        registry,
        notReady,
        readyDetail,
        routes: { '/api/v1/gateway-role': () => status() },
        extraMetrics: () => local.metrics(),
      });
    } catch (error) {
      await local.close();
      throw error;
    }
  }
  const loop = run();

  return {
    ...(admin !== undefined ? { adminUrl: admin.url } : {}),
    registry,
    status,
    notReady,
    readyDetail,
    report: () => local.report(),
    async close() {
      stopping.abort();
      clearInterval(reportTimer);
      await loop;
      await applying;
      await acking;
      await Promise.all([admin?.close(), local.close()]);
    },
  };
}

/**
 * The ownership an IR routes by (every policy's owners, moves and epoch), as one string to compare;
 * a malformed IR gets a value no real one has.
 */
function ownershipOf(ir: GatewayIR): string {
  try {
    return JSON.stringify((ir.policies ?? []).map((p) => [p.key, p.ownership ?? null]));
  } catch {
    return '\u0000malformed';
  }
}
