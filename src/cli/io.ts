/**
 * The CLI's view of the outside world, injected so commands run in-process in tests.
 * @module
 */

/** Where a command writes and what it reads from its environment. */
export interface CliIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** Exit codes: 0 ok/valid, 1 invalid or not found, 2 usage error. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** An error that ends the command with a given exit code and message (no stack trace). */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** Creates an error that exits with `exitCode`. */
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

/** The IO of the running process. */
export function processIO(): CliIO {
  // `lintas get ... | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** A signal that aborts on Ctrl-C (SIGINT) or SIGTERM, for long-running commands. */
export function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  // The listeners stay: one Ctrl-C can arrive several times (from the terminal and forwarded by
  // npm or bin/lintas.js), and a repeat must not kill the process half-way through its clean stop.
  const stop = (): void => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Started by a parent over an IPC channel (`lintas up`'s gateway processes): its death ends this one too,
  // so no process outlives the fleet it belonged to.
  if (process.send !== undefined) process.once('disconnect', stop);
  return controller.signal;
}
