/**
 * The data plane a gateway role drives: its local data plane on the role's own thread
 * (`--workers 1`, the single-threaded gateway), or one per worker thread (`worker-pool.ts`).
 * The role applies each version, forwards the control plane's confirmations, and reads the
 * report through this one shape, whichever it is.
 * @module
 */
import { closeSync, openSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { DataPlaneReport, GatewayIR } from '../../ir/index.ts';
import type { ConfigFreshness } from '../gateway/index.ts';
import { certificateLookup, type ListenerCertificates } from './certificates.ts';
import { createLocalDataPlane, type LocalDataPlane } from '../local-data-plane.ts';
import type { GatewayRoleOptions } from './role.ts';
import { startWorkerPool } from './worker-pool.ts';

/** One worker thread as the role's status shows it. */
export interface WorkerStatus {
  readonly index: number;
  /** Its thread id (a restarted worker gets a new one); undefined while it is restarting. */
  readonly threadId?: number;
  /** Times it exited and was started again. */
  readonly restarts: number;
  /** Requests it served, as of the last report read from it. */
  readonly requests: number;
}

/** What the role needs of a data plane. */
export interface RoleDataPlane {
  /** Serves `ir` with its listener certificates' PEM; says which listeners could not be bound (on any worker), or throws when it could not apply. */
  apply(ir: GatewayIR, certificates?: ListenerCertificates): Promise<{ readonly failed: readonly { readonly key: string; readonly error: string }[] }>;
  /** The control plane confirmed the served config `ageMs` ago (fail-static freshness in every thread). */
  confirmed(ageMs: number): void;
  /** The report (merged over workers). */
  report(): Promise<DataPlaneReport>;
  /** Listeners bound (`address:port`). */
  bound(): readonly string[];
  /** The worker threads (none when the data plane runs on the role's thread). */
  workers(): readonly WorkerStatus[];
  /** Prometheus text of metrics kept off the role's registry (the workers', summed); '' when none. */
  metrics(): Promise<string>;
  /** Worker exits, in total. */
  restarts(): number;
  close(): Promise<void>;
}

/** The local data plane on the role's own thread; it shares the role's freshness record and registry. */
export function inThreadDataPlane(local: LocalDataPlane): RoleDataPlane {
  return {
    apply: (ir, certificates) => local.apply(ir, certificateLookup(certificates)),
    confirmed: () => undefined,
    report: () => Promise.resolve(local.report()),
    bound: () => local.bound(),
    workers: () => [],
    metrics: () => Promise.resolve(''),
    restarts: () => 0,
    close: () => local.close(),
  };
}

/**
 * The role's data plane: on its own thread (sharing its registry, freshness record and clock) for
 * one worker, else a worker pool; throws when the access log cannot be opened.
 */
export function createRoleDataPlane(options: GatewayRoleOptions, shared: { readonly registry: Registry; readonly freshness: ConfigFreshness; readonly now: () => number }): RoleDataPlane {
  const { log } = options;
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a whole number ≥ 1, got ${String(workers)}`);
  if (workers === 1) {
    return inThreadDataPlane(
      createLocalDataPlane({
        log,
        ...shared,
        ...(options.accessLogPath !== undefined ? { accessLogPath: options.accessLogPath } : {}),
        ...(options.write !== undefined ? { write: options.write } : {}),
        ...(options.healthCheck !== undefined ? { healthCheck: options.healthCheck } : {}),
      }),
    );
  }
  // Each worker opens the file itself; opening it here first makes a bad path fail at start, as with one thread.
  if (options.accessLogPath !== undefined) closeSync(openSync(options.accessLogPath, 'a'));
  return startWorkerPool({
    workers,
    log,
    logLevel: options.logLevel ?? 'info',
    staleAfterMs: shared.freshness.budgetMs,
    write: options.write ?? ((chunk: string) => void process.stdout.write(chunk)),
    ...(options.accessLogPath !== undefined ? { accessLogPath: options.accessLogPath } : {}),
    ...(options.healthCheck?.enabled !== undefined ? { healthCheckEnabled: options.healthCheck.enabled } : {}),
    ...(options.workerModule !== undefined ? { workerModule: options.workerModule } : {}),
  });
}
