/**
 * The control plane's end of the config stream (xDS-like, see `ir/config-stream.ts`),
 * as two raw routes to mount on the admin server:
 *
 * - `GET /api/v1/config-stream/:cluster?since=VERSION` answers with newline-delimited
 *   JSON that stays open: a `hello` (cluster, heartbeat interval), then the cluster's
 *   config whenever its version differs from what the gateway last got (not at all on
 *   connect when `since` is already current: a reconnect resumes), and a `heartbeat`
 *   naming the current version every `heartbeatMs`, which tells a gateway its config is
 *   still current (fail-static staleness) and its stream still alive.
 * - `POST /api/v1/config-stream/:cluster/ack` takes `{version, ok, error?}`: ACK or NACK.
 *
 * Both need the role `gateway:<cluster>` (or admin): a gateway's token reads its own
 * cluster's config only. Configs come from a `WatchableMap<cluster, ClusterConfig>`, and
 * what each gateway acknowledged, when it was last heard from and how long each version
 * took to land go into a `WatchableMap<cluster, DataPlaneAck>`: nothing is threaded
 * through callbacks.
 * @module
 */
import { once } from 'node:events';
import type { ClusterConfig, ConfigAckBody, DataPlaneAck, RemoteDataPlaneReport, StreamFrame } from '../ir/index.ts';
import { checkedReport } from './report-check.ts';
import { dns1123Label } from '../lib/index.ts';
import type { WatchableMap } from '../store/index.ts';
import { AdminApiError, readJsonObjectBody, type PathParams, type RawRoute, type RawRouteContext } from './admin-server.ts';
import { gatewayRole, type Role } from './auth.ts';
import type { Logger } from './logger.ts';

/** The stream route (GET). */
export const CONFIG_STREAM_ROUTE = '/api/v1/config-stream/:cluster';
/** The acknowledgement route (POST). */
export const CONFIG_ACK_ROUTE = '/api/v1/config-stream/:cluster/ack';
/** The report route (POST): a gateway's counters and upstream view, about once a second. */
export const CONFIG_REPORT_ROUTE = '/api/v1/config-stream/:cluster/report';
/** Largest report body accepted (a gateway sends only the endpoints it keeps out of rotation). */
export const MAX_REPORT_BYTES = 1024 * 1024;
/** Heartbeat interval when none is given: well inside the default 30 s staleness budget. */
export const DEFAULT_HEARTBEAT_MS = 5_000;
/** Longest NACK error kept (longer ones are cut). */
export const MAX_NACK_ERROR_CHARS = 2_000;
/** Streams one cluster may hold open at once (a reconnect overlapping a dying stream needs two); more get 429. */
export const MAX_STREAMS_PER_CLUSTER = 4;
/** The media type of the stream. */
export const CONFIG_STREAM_CONTENT_TYPE = 'application/x-ndjson';

/** Options of {@link configStreamRoutes}. */
export interface ConfigStreamOptions {
  /** Each cluster's desired config (written by the control plane's publisher). */
  readonly configs: WatchableMap<string, ClusterConfig>;
  /** What each cluster's gateway acknowledged (written here). */
  readonly acks: WatchableMap<string, DataPlaneAck>;
  /** Each cluster's gateway's last report, stamped with when it arrived (written here; absent: reports are refused with 404). */
  readonly reports?: WatchableMap<string, RemoteDataPlaneReport>;
  readonly log: Logger;
  readonly heartbeatMs?: number;
  /** Epoch ms (default Date.now). */
  readonly now?: () => number;
  /**
   * Why this replica must not feed gateways now (a follower: its acknowledgements would never reach
   * the leader, whose drains wait for them), or undefined. Streams are refused (503 `not_leader`) and
   * open ones end at the next heartbeat, so gateways move on to their next `--control-plane` URL.
   */
  readonly notServing?: () => string | undefined;
}

const MAX_VERSION_CHARS = 64;

/** The two routes of the config stream, for `AdminServerOptions.rawRoutes`. */
export function configStreamRoutes(options: ConfigStreamOptions): Record<string, RawRoute> {
  const { configs, acks, log } = options;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const now = options.now ?? Date.now;
  const iso = (): string => new Date(now()).toISOString();
  // Streams open per cluster: a gateway that reconnects before its old stream is noticed dead has two for a moment.
  const open = new Map<string, number>();
  // One serialisation per version, however many streams send it.
  const frames = new WeakMap<ClusterConfig, string>();
  const configLine = (c: ClusterConfig): string => {
    let line = frames.get(c);
    if (line === undefined) {
      line = `${JSON.stringify({ type: 'config', version: c.version, generation: c.generation, ir: c.ir, ...(c.certificates !== undefined ? { certificates: c.certificates } : {}) } satisfies StreamFrame)}\n`;
      frames.set(c, line);
    }
    return line;
  };
  const record = (cluster: string, subject: string, change: (before: DataPlaneAck | undefined) => AckChange): void => {
    const before = acks.get(cluster);
    acks.set(cluster, withoutUndefined({ ...before, cluster, subject, connected: (open.get(cluster) ?? 0) > 0, lastContact: iso(), ...change(before) }));
  };
  const role = (params: PathParams): Role => gatewayRole(params['cluster'] ?? '');
  const refuseUnlessServing = (): void => {
    const why = options.notServing?.();
    if (why !== undefined) throw new AdminApiError(503, 'not_leader', why);
  };

  const stream = async ({ res, principal, params, url }: RawRouteContext): Promise<void> => {
    const cluster = checkedCluster(params);
    refuseUnlessServing();
    const since = url.searchParams.get('since') ?? '';
    if (since.length > MAX_VERSION_CHARS) throw new AdminApiError(400, 'bad_request', `since must be a version of at most ${MAX_VERSION_CHARS} characters`);
    // A leaked or looping token must not pin the control plane's memory with subscriptions.
    if ((open.get(cluster) ?? 0) >= MAX_STREAMS_PER_CLUSTER) throw new AdminApiError(429, 'too_many_streams', `cluster ${cluster} already has ${String(MAX_STREAMS_PER_CLUSTER)} config streams open`);
    const stop = new AbortController();
    res.on('close', () => stop.abort());
    res.writeHead(200, { 'content-type': CONFIG_STREAM_CONTENT_TYPE, 'cache-control': 'no-store' });
    open.set(cluster, (open.get(cluster) ?? 0) + 1);
    // Reconnecting with `since` says which version the gateway serves: the resume is its acknowledgement.
    record(cluster, principal.subject, (before) => {
      if (since === '' || before?.acked?.version === since) return { connected: true };
      const current = configs.get(cluster);
      return { connected: true, acked: { version: since, ...(current?.version === since ? { generation: current.generation } : {}), at: iso() } };
    });
    log.info('config stream opened', { cluster, subject: principal.subject, since: since === '' ? null : since });
    const write = async (line: string): Promise<void> => {
      if (stop.signal.aborted) return;
      // Back-pressure: wait for a slow gateway; the subscription coalesces versions meanwhile.
      if (!res.write(line)) await once(res, 'drain', { signal: stop.signal }).catch(() => undefined);
    };
    const heartbeat = (): void => {
      // Leadership lost: end the stream; the gateway reconnects to the replica that leads now.
      if (options.notServing?.() !== undefined) {
        stop.abort();
        return;
      }
      if (!stop.signal.aborted) res.write(`${JSON.stringify({ type: 'heartbeat', version: configs.get(cluster)?.version ?? null } satisfies StreamFrame)}\n`);
    };
    const timer = setInterval(heartbeat, heartbeatMs);
    try {
      await write(`${JSON.stringify({ type: 'hello', cluster, heartbeatMs } satisfies StreamFrame)}\n`);
      let sent = since;
      let first = true;
      for await (const update of configs.subscribe(stop.signal)) {
        const current = update.state.get(cluster);
        if (current !== undefined && current.version !== sent) {
          await write(configLine(current));
          sent = current.version;
        } else if (first) {
          heartbeat(); // nothing to send: confirm at once that `since` is current (or that there is no config yet)
        }
        first = false;
      }
    } finally {
      clearInterval(timer);
      open.set(cluster, (open.get(cluster) ?? 1) - 1);
      record(cluster, principal.subject, () => ({}));
      log.info('config stream closed', { cluster, subject: principal.subject });
      res.end();
    }
  };

  const ack = async ({ req, res, principal, params }: RawRouteContext): Promise<void> => {
    const cluster = checkedCluster(params);
    refuseUnlessServing();
    const read = await readJsonObjectBody(req, 'the body must be a JSON object {version, ok, error?}');
    if (read === 'aborted') return;
    if ('status' in read) throw new AdminApiError(read.status, read.code, read.message);
    const body = checkedAck(read.body);
    const current = configs.get(cluster);
    const at = iso();
    const lagMs = current?.version === body.version ? Math.max(0, now() - Date.parse(current.publishedAt)) : undefined;
    const version = { version: body.version, ...(body.generation !== undefined ? { generation: body.generation } : {}), at, ...(lagMs !== undefined ? { lagMs } : {}), ...(body.applyMs !== undefined ? { applyMs: body.applyMs } : {}) };
    if (body.ok) {
      record(cluster, principal.subject, () => ({ acked: version, nacked: undefined }));
    } else {
      const error = (body.error ?? 'rejected without a reason').slice(0, MAX_NACK_ERROR_CHARS);
      record(cluster, principal.subject, () => ({ nacked: { ...version, error } }));
      log.warn('gateway rejected a config version (NACK); it keeps serving its last good one', { cluster, version: body.version, error: error.slice(0, 300) });
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ cluster, version: body.version, recorded: body.ok ? 'ack' : 'nack' }));
  };

  const report = async ({ req, res, principal, params }: RawRouteContext): Promise<void> => {
    const cluster = checkedCluster(params);
    refuseUnlessServing();
    if (options.reports === undefined) throw new AdminApiError(404, 'not_found', 'this control plane takes no data-plane reports');
    const read = await readJsonObjectBody(req, 'the body must be a JSON object {traffic, observation, nonOwnerMutations, certificates}', 'bad_request', MAX_REPORT_BYTES);
    if (read === 'aborted') return;
    if ('status' in read) throw new AdminApiError(read.status, read.code, read.message);
    // Stamped with the control plane's clock: freshness never depends on the gateway's.
    options.reports.set(cluster, { ...checkedReport(read.body, cluster), cluster, at: iso() });
    // A report is contact too: `lintas get dataplanes` shows a live gateway as heard from a second ago.
    record(cluster, principal.subject, () => ({}));
    res.writeHead(204, { 'cache-control': 'no-store' });
    res.end();
  };

  return {
    [CONFIG_STREAM_ROUTE]: { method: 'GET', role, handle: stream },
    [CONFIG_ACK_ROUTE]: { method: 'POST', role, handle: ack },
    [CONFIG_REPORT_ROUTE]: { method: 'POST', role, handle: report },
  };
}

function checkedCluster(params: PathParams): string {
  const cluster = params['cluster'] ?? '';
  const bad = dns1123Label(cluster);
  if (bad !== undefined) throw new AdminApiError(400, 'bad_request', `cluster "${cluster.slice(0, 80)}" is not a valid cluster name: ${bad}`);
  return cluster;
}

/** The acknowledgement body, every field checked (400 naming the field). */
function checkedAck(body: Readonly<Record<string, unknown>>): ConfigAckBody {
  const fail = (field: string, message: string): never => {
    throw new AdminApiError(400, 'bad_request', `.${field}: ${message}`);
  };
  const { version, generation, ok, error, applyMs } = body;
  if (typeof version !== 'string' || version === '' || version.length > MAX_VERSION_CHARS) fail('version', `must be a non-empty string of at most ${MAX_VERSION_CHARS} characters`);
  if (typeof ok !== 'boolean') fail('ok', 'must be true (ACK) or false (NACK)');
  if (generation !== undefined && (typeof generation !== 'number' || !Number.isInteger(generation) || generation < 0)) fail('generation', 'must be a non-negative integer');
  if (error !== undefined && typeof error !== 'string') fail('error', 'must be a string');
  if (applyMs !== undefined && (typeof applyMs !== 'number' || !Number.isFinite(applyMs) || applyMs < 0)) fail('applyMs', 'must be a non-negative number');
  return body as unknown as ConfigAckBody;
}

/** Fields an event changes; `undefined` clears one. */
type AckChange = { readonly [K in keyof DataPlaneAck]?: DataPlaneAck[K] | undefined };

/** The record without the fields an event cleared. */
function withoutUndefined(value: AckChange & Pick<DataPlaneAck, 'cluster' | 'subject' | 'connected' | 'lastContact'>): DataPlaneAck {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as unknown as DataPlaneAck;
}
