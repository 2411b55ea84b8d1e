/**
 * Test helper: runs the `lintas` CLI in-process with captured output, as the
 * CLI tests need it (each write ends in a newline, as `processIO` does).
 * @module
 */
import { fileURLToPath } from 'node:url';
import type { CliIO } from './io.ts';
import { run } from './main.ts';

/** The repository root (the default cwd, so `examples/capstone` resolves). */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A CliIO that records stdout and stderr. */
export interface Captured {
  readonly io: CliIO;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Creates a capturing CliIO with `env` and `cwd`. */
export function capture(env: Record<string, string> = {}, cwd = REPO): Captured {
  const out: string[] = [];
  const err: string[] = [];
  const nl = (t: string): string => (t.endsWith('\n') ? t : `${t}\n`);
  return {
    io: { out: (t) => out.push(nl(t)), err: (t) => err.push(nl(t)), env, cwd },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

/** What one CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `lintas argv` in-process. */
export async function lintas(argv: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  const c = capture(options.env, options.cwd);
  const code = await run(argv, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}
