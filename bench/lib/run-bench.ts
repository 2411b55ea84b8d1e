/**
 * The frame every bench's main runs in (bench/dns, bench/gateway,
 * bench/config-edits): SIGINT and SIGTERM stop everything it started and exit
 * 130/143, a watchdog bounds the whole run, and whatever happens the cleanup
 * runs before the process exits with main's code (1 when it threw).
 * @module
 */

/** What {@link runBench} runs. */
export interface BenchFrame {
  /** Bound on the whole run (ms): past it, the bench is stopped and exits 1. */
  readonly watchdogMs: number;
  /** Stops every process the bench started and removes its temp files; safe to call twice. */
  readonly cleanup: () => Promise<void>;
  /** The bench; resolves to the exit code. */
  readonly main: () => Promise<number>;
}

/** Runs `frame.main` for the bench called `name` (e.g. `bench:dns`) and exits the process. */
export async function runBench(name: string, frame: BenchFrame): Promise<never> {
  let interrupted = false;
  const shutdown = (code: number, why: string): void => {
    interrupted = true;
    console.error(`\n${name}: ${why}; stopping everything it started`);
    void frame.cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => shutdown(130, 'interrupted (SIGINT)'));
  process.once('SIGTERM', () => shutdown(143, 'terminated (SIGTERM)'));
  const watchdog = setTimeout(() => shutdown(1, `watchdog: still running after ${frame.watchdogMs / 1000} s`), frame.watchdogMs);
  watchdog.unref();
  let exitCode: number;
  try {
    exitCode = await frame.main();
  } catch (error) {
    // Once interrupted, failures are the processes being stopped: not worth a line.
    if (!interrupted) console.error(`${name}: ${(error as Error).message}`);
    exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await frame.cleanup();
  }
  process.exit(exitCode);
}
