/**
 * One data-plane worker of a gateway (`lintas gateway --workers N`, issue 15 item 6): a
 * `node:worker_threads` thread running its own local data plane (HTTP gateway, TCP proxy,
 * upstream set) on listeners bound with SO_REUSEPORT, so that the kernel spreads the
 * connections of one address over every worker and one gateway uses every core.
 *
 * The main thread keeps the config stream and sends each version here (structured clone);
 * the worker applies it and answers with what failed to bind and where it listens. It also
 * answers for its report and its metrics (summed over workers by the main thread), follows
 * the main thread's fail-static confirmations (its own `ConfigFreshness`, so Owner-mode
 * mutations fail closed in every worker), and forwards its log lines (and access log lines
 * when there is no access log file; with one, every worker appends to it itself).
 *
 * `lintas serve`'s embedded gateways run on the same workers (issue 14 item 5), so that
 * loading and translating the fleet on the control plane's thread never stalls the traffic:
 * every cluster's listeners on one data plane (certificates keyed by cluster), no staleness
 * budget (the control plane is the same process), and `route explain` answered here against
 * the worker's own upstream health.
 *
 * One module is both sides, as the fleet loader's worker: the worker evaluates this module
 * (the TypeScript source through tsx, or the CLI bundle, which contains it), and the check at
 * the bottom starts the loop on a data-plane worker.
 * @module
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { GatewayIR } from '../../ir/index.ts';
import { workerModuleSource } from '../../lib/index.ts';
import { forwardingLogger, type ForwardedLog, type LogLevel } from '../../observability/index.ts';
import { ConfigFreshness, type BoundListener } from '../gateway/index.ts';
import { explainRoute, type ExplainRequest, type RouteExplanation } from '../gateway/explain.ts';
import { createLocalDataPlane } from '../local-data-plane.ts';
import { decodeIrDelta, IrDeltaError, type IrDelta } from './ir-delta.ts';
import { diffObservations, observationMap, type ObservationMap, type ReportReply } from './report-delta.ts';
import { certificateLookup, type ClusterListenerCertificates, type ListenerCertificates } from './certificates.ts';

/** Marks a data-plane worker's `workerData`. */
export const DATA_PLANE_WORKER_TAG = 'lintas-gateway-worker';

/** What the main thread gives a worker at start (structured-cloneable). */
export interface DataPlaneWorkerData {
  readonly tag: typeof DATA_PLANE_WORKER_TAG;
  /** 0 … N-1; a restarted worker keeps its index. */
  readonly index: number;
  /** Fail-static staleness budget; absent: none (embedded gateways: their control plane is the same process). */
  readonly staleAfterMs?: number;
  readonly logLevel: LogLevel;
  /** Bind with SO_REUSEPORT (default true: several workers share each address; one embedded worker binds alone, so a second process on the address fails as it should). */
  readonly reusePort?: boolean;
  /** Access log file each worker appends to; without it lines are posted to the main thread. */
  readonly accessLogPath?: string;
  readonly healthCheckEnabled?: boolean;
  /** Set when a module other than this one runs the loop (tests wrap it to inject faults). */
  readonly customModule?: boolean;
}

/** A request of the main thread. */
export type WorkerRequest =
  /** The IR whole, or as a delta of the one applied as `base` (ir-delta.ts); either way it becomes version `seq`. */
  | { readonly type: 'apply'; readonly id: number; readonly seq: number; readonly config: ApplyConfig; readonly certificates?: ListenerCertificates; readonly byCluster?: ClusterListenerCertificates }
  /** `route explain` of `ir` (the control plane's latest translation) against this worker's upstream health. */
  | { readonly type: 'explain'; readonly id: number; readonly ir: GatewayIR; readonly req: ExplainRequest }
  /** The report; with `since` (the number of the last report the reader holds) its endpoints may come as a delta (report-delta.ts). */
  | { readonly type: 'report'; readonly id: number; readonly since?: number }
  | { readonly type: 'metrics'; readonly id: number }
  | { readonly type: 'close'; readonly id: number }
  /** The control plane confirmed the served config `ageMs` ago (by the main thread's clock; ages need no shared clock). */
  | { readonly type: 'confirm'; readonly ageMs: number };

/** An apply's IR: whole, or a delta of the worker's IR `base` (the `seq` of an earlier apply). */
export type ApplyConfig = { readonly ir: GatewayIR } | { readonly delta: IrDelta; readonly base: number };

/** What an apply did in one worker. */
export interface WorkerApplyResult {
  readonly failed: readonly { readonly key: string; readonly error: string }[];
  readonly listeners: readonly BoundListener[];
}

/** What a worker answers a request with. */
export type WorkerReplyValue = WorkerApplyResult | ReportReply | MetricObjectWithValues<MetricValue<string>>[] | RouteExplanation[] | null;

/** A message of a worker. */
export type WorkerMessage =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: WorkerReplyValue }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  | ForwardedLog
  | { readonly type: 'access'; readonly chunk: string };

/** Hooks of {@link serveDataPlaneWorker} (tests inject faults through them). */
export interface DataPlaneWorkerHooks {
  /** Runs before each apply; throwing makes the apply fail. */
  readonly beforeApply?: (ir: GatewayIR) => void;
}

const performanceClock = (): number => performance.timeOrigin + performance.now();

/** The worker's loop: one local data plane, requests served in order. */
export function serveDataPlaneWorker(port: MessagePort, data: DataPlaneWorkerData, hooks: DataPlaneWorkerHooks = {}): void {
  const log = forwardingLogger(port, data.logLevel);
  const registry = new Registry();
  const freshness = data.staleAfterMs === undefined ? undefined : new ConfigFreshness(data.staleAfterMs);
  const local = createLocalDataPlane({
    log,
    registry,
    ...(freshness !== undefined ? { freshness } : {}),
    reusePort: data.reusePort ?? true,
    ...(data.accessLogPath !== undefined ? { accessLogPath: data.accessLogPath } : { write: (chunk: string) => port.postMessage({ type: 'access', chunk } satisfies WorkerMessage) }),
    ...(data.healthCheckEnabled !== undefined ? { healthCheck: { enabled: data.healthCheckEnabled } } : {}),
  });
  const reply = (id: number, run: () => Promise<WorkerReplyValue>): Promise<void> =>
    run().then(
      (value) => port.postMessage({ type: 'reply', id, ok: true, value } satisfies WorkerMessage),
      (error: unknown) => port.postMessage({ type: 'reply', id, ok: false, error: (error as Error).message } satisfies WorkerMessage),
    );
  // Applies and the close run one after another; reports and metrics answer at once.
  let queue = Promise.resolve();
  // The number of the last report made, and the endpoints it held (the base of the next report's delta).
  let reportSeq = 0;
  let reported: ObservationMap | undefined;
  const reportReply = (since: number | undefined): ReportReply => {
    const report = local.report();
    reportSeq += 1;
    if (since !== undefined && reported !== undefined && since === reportSeq - 1) {
      const { delta, next } = diffObservations(reported, report.observation.endpoints, since);
      reported = next;
      return { seq: reportSeq, report: { ...report, observation: { ...report.observation, endpoints: [] } }, delta };
    }
    reported = observationMap(report.observation.endpoints);
    return { seq: reportSeq, report };
  };
  // The IR last received and its seq: the base of the next delta.
  let held: { readonly seq: number; readonly ir: GatewayIR } | undefined;
  const received = (req: Extract<WorkerRequest, { type: 'apply' }>): GatewayIR => {
    const { config } = req;
    let ir: GatewayIR;
    if ('ir' in config) ir = config.ir;
    else if (held?.seq !== config.base) throw new IrDeltaError(`against version ${String(config.base)}, but this worker holds ${held === undefined ? 'none' : String(held.seq)}`);
    else ir = decodeIrDelta(held.ir, config.delta);
    held = { seq: req.seq, ir };
    return ir;
  };
  port.on('message', (req: WorkerRequest) => {
    switch (req.type) {
      case 'confirm':
        freshness?.confirm(performanceClock() - req.ageMs);
        return;
      case 'explain':
        void reply(req.id, () => Promise.resolve(explainRoute(req.ir, req.req, local.upstreams)));
        return;
      case 'report':
        void reply(req.id, () => Promise.resolve(reportReply(req.since)));
        return;
      case 'metrics':
        void reply(req.id, () => registry.getMetricsAsJSON());
        return;
      case 'apply':
        queue = queue.then(() =>
          reply(req.id, async () => {
            const ir = received(req);
            hooks.beforeApply?.(ir);
            const result = await local.apply(ir, certificateLookup(req.certificates, req.byCluster));
            return { failed: result.failed, listeners: local.listeners() };
          }),
        );
        return;
      case 'close':
        queue = queue.then(() =>
          // The main thread ends the thread once this answers.
          reply(req.id, async () => {
            await local.close();
            return null;
          }),
        );
        return;
    }
  });
}

/** What a data-plane worker evaluates: `moduleUrl` (default this module) through the right loader. */
export function dataPlaneWorkerSource(moduleUrl: string = import.meta.url): string {
  return workerModuleSource(moduleUrl);
}

const data = workerData as Partial<DataPlaneWorkerData> | null;
if (!isMainThread && parentPort !== null && data?.tag === DATA_PLANE_WORKER_TAG && data.customModule !== true) {
  serveDataPlaneWorker(parentPort, data as DataPlaneWorkerData);
}
