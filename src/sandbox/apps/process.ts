/**
 * The body of an app child process: start the app its config names, tell the
 * parent (Node IPC) where it listens, take faults from the parent, and close
 * cleanly when told to stop (SIGTERM, SIGINT) or when the parent goes away
 * (IPC disconnect), so a supervisor never leaves orphans behind.
 *
 * Parent → child: `{ type: 'fault', fault: AppFault }`, `{ type: 'stats' }`.
 * Child → parent: `{ type: 'ready', url, app, cluster, replica, pid }` once listening,
 * `{ type: 'fault-applied', fault }`, `{ type: 'stats', stats }`, and
 * `{ type: 'error', code, message }` (bad config or fault; start failure, then exit 1).
 * @module
 */
import { createLogger, type Logger } from '../../observability/index.ts';
import { parseAppConfig, parseAppFault } from './config.ts';
import { startApp, type StartAppDeps } from './start-app.ts';
import type { AppConfig, AppFault, AppName, BaseStats, RunningApp } from './types.ts';

/** Messages a parent sends to an app process. */
export type AppParentMessage = { readonly type: 'fault'; readonly fault: AppFault } | { readonly type: 'stats' };

/** Messages an app process sends to its parent. */
export type AppChildMessage =
  | { readonly type: 'ready'; readonly url: string; readonly app: AppName; readonly cluster: string; readonly replica: number; readonly pid: number }
  | { readonly type: 'fault-applied'; readonly fault: AppFault }
  | { readonly type: 'stats'; readonly stats: BaseStats }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

/** How long a stopping app may take to close before the process exits anyway (ms). */
export const SHUTDOWN_GRACE_MS = 3000;

function tell(message: AppChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (typeof process.send !== 'function' || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'LINTAS_ERR_APP_START';
}

/**
 * Runs an app as this process's whole job: validates `config`, starts the app,
 * wires IPC and signals, and resolves with the running app. On a start
 * failure it reports `{ type: 'error' }` and exits 1; on SIGTERM, SIGINT or
 * IPC disconnect it closes the app and exits 0.
 */
export async function runAppProcess(config: AppConfig, deps: StartAppDeps = {}): Promise<RunningApp> {
  let valid: AppConfig;
  let logger: Logger = deps.logger ?? createLogger({ format: 'json' });
  let app: RunningApp;
  try {
    valid = parseAppConfig(config);
    logger = (deps.logger ?? createLogger({ level: valid.logLevel ?? 'info', format: 'json' })).child({ app: valid.app });
    app = await startApp(valid, { ...deps, logger });
  } catch (error) {
    logger.error('app failed to start', { error: (error as Error).message, code: errorCode(error) });
    await tell({ type: 'error', code: errorCode(error), message: (error as Error).message });
    process.exit(1);
  }

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('app stopping', { reason });
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('disconnect', () => stop('parent disconnected'));
  process.on('message', (raw: unknown) => {
    const message = raw as Partial<AppParentMessage> | null;
    if (message?.type === 'fault') {
      try {
        const fault = parseAppFault(message.fault);
        app.applyFault(fault);
        void tell({ type: 'fault-applied', fault });
      } catch (error) {
        logger.warn('fault message refused', { error: (error as Error).message });
        void tell({ type: 'error', code: errorCode(error), message: (error as Error).message });
      }
    } else if (message?.type === 'stats') {
      void tell({ type: 'stats', stats: app.stats() });
    }
  });

  logger.info('app ready', { url: app.url, cluster: valid.cluster, replica: valid.replica, version: valid.version });
  await tell({ type: 'ready', url: app.url, app: valid.app, cluster: valid.cluster, replica: valid.replica, pid: process.pid });
  return app;
}
