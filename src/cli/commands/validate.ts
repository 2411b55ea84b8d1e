/**
 * `lintas validate DIR`: every mistake of a fleet, located, in one run.
 * @module
 */
import { relative } from 'node:path';
import { stringify } from 'yaml';
import type { Issue } from '../../api/index.ts';
import { formatIssue, hasErrors } from '../../validation/index.ts';
import { loadConfig } from '../fleet-config.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';

/** Options of `validate`. */
export interface ValidateOptions {
  readonly output: string;
  readonly quiet?: boolean;
}

/** Runs `validate` and returns the exit code. */
export async function validateCommand(dirArg: string, options: ValidateOptions, io: CliIO): Promise<number> {
  if (!['text', 'json', 'yaml'].includes(options.output)) throw new CliError(`error: unknown output format "${options.output}"; use text, json or yaml`);
  const started = performance.now();
  const result = await loadConfig(dirArg);
  const elapsedMs = Math.round(performance.now() - started);
  const errors = result.issues.filter((i) => i.severity === 'error').length;
  const warnings = result.issues.length - errors;
  const valid = !hasErrors(result.issues);
  const rel = relative(io.cwd, result.root);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? result.root : rel;
  if (options.output !== 'text') {
    const report = {
      fleet: shown,
      valid,
      errors,
      warnings,
      issues: result.issues.map((i: Issue) => ({ ...i, text: formatIssue(i) })),
      clusters: [...result.snapshot.clusters.keys()],
      stats: result.stats,
    };
    io.out(options.output === 'json' ? JSON.stringify(report, null, 2) : stringify(report, { lineWidth: 0 }));
    return valid ? EXIT.ok : EXIT.invalid;
  }
  if (result.issues.length > 0) io.out(result.issues.map(formatIssue).join('\n'));
  if (!options.quiet) {
    const { files, objects } = result.stats;
    const summary = `${shown}: ${valid ? 'valid' : 'INVALID'}: ${result.snapshot.clusters.size} cluster(s), ${objects} object(s) in ${files} file(s); ${errors} error(s), ${warnings} warning(s) (${elapsedMs} ms)`;
    io.err(summary);
  }
  return valid ? EXIT.ok : EXIT.invalid;
}
