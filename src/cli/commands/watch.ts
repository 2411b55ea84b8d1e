/**
 * `lintas watch DIR`: keeps loading a fleet as it changes and says, after every
 * edit, whether it was published or rejected (keeping the last good config).
 * @module
 */
import { createLogger, type LogLevel } from '../../observability/index.ts';
import { assertFleetRoot, watchFleet } from '../../sources/index.ts';
import { FleetStore } from '../../store/index.ts';
import { formatIssue } from '../../validation/index.ts';
import { CliError, EXIT, abortOnSignals, type CliIO } from '../io.ts';

/** Options of `watch`. */
export interface WatchCommandOptions {
  readonly debounce: string;
  readonly logFormat: string;
  readonly logLevel: string;
  /** Stops the watch (Ctrl-C in the real process; tests abort it). */
  readonly signal?: AbortSignal;
}

/** Runs `watch` until the signal aborts; returns 0. */
export async function watchCommand(dir: string, options: WatchCommandOptions, io: CliIO): Promise<number> {
  await assertFleetRoot(dir).catch((error: unknown) => {
    throw new CliError(`error: ${(error as Error).message}`, EXIT.usage);
  });
  const store = new FleetStore();
  const log = createLogger({ format: options.logFormat === 'json' ? 'json' : 'text', level: options.logLevel as LogLevel, write: io.err });
  const watcher = await watchFleet(dir, {
    store,
    log,
    debounceMs: Number(options.debounce),
    onLoad: (event) => {
      for (const issue of event.result.issues) if (issue.severity === 'warning') io.out(formatIssue(issue));
    },
  });
  const stop = options.signal ?? abortOnSignals();
  io.err(`watching ${dir} (store version ${store.version}); Ctrl-C to stop`);
  // An abort during the initial load has already fired: do not wait for another one.
  if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  watcher.close();
  return 0;
}
