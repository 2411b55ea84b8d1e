/**
 * Test helper: runs the `lintas` CLI in-process with captured output, as the
 * CLI tests need it (each write ends in a newline, as `processIO` does).
 * @module
 */
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CliError, EXIT, type CliIO } from './io.ts';
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

/** Adds commands to a program, as main.ts wires each command group (`setExit` receives the exit code). */
export type RegisterCommands = (program: Command, io: CliIO, setExit: (code: number) => void) => void;

/** Runs `argv` in-process on a program holding only what `register` adds (usage errors exit 2, CliErrors print and exit with their code). */
export async function runRegistered(register: RegisterCommands, argv: string[], cwd?: string): Promise<CliResult> {
  const c = capture({}, cwd);
  let code = 0;
  const program = new Command('lintas').exitOverride().configureOutput({ writeOut: c.io.out, writeErr: c.io.err });
  register(program, c.io, (x) => (code = x));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : EXIT.usage;
    else if (error instanceof CliError) {
      c.io.err(error.message);
      code = error.exitCode;
    } else throw error;
  }
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}
