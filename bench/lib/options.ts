/**
 * Command-line option checks shared by the benches (bench/dns, bench/gateway):
 * a bad value prints the problem and the usage and exits 2, as the CLI does.
 * @module
 */

/** The option checkers of one bench. */
export interface BenchOptionChecks {
  /** Prints `name: message` and the usage, then exits 2. */
  usageError(message: string): never;
  /** `raw` as an integer in [min, max], else a usage error naming `--flag`. */
  intOption(raw: string | undefined, flag: string, min: number, max: number): number;
  /** `--lintas auto|dist|src`: which Lintas build to run. */
  lintasOption(raw: string | undefined): 'auto' | 'dist' | 'src';
}

/** The checkers for the bench called `name` (e.g. `bench:dns`) with its usage text. */
export function benchOptionChecks(name: string, usage: string): BenchOptionChecks {
  const usageError = (message: string): never => {
    console.error(`${name}: ${message}\n${usage}`);
    process.exit(2);
  };
  return {
    usageError,
    intOption(raw, flag, min, max) {
      const v = Number(raw);
      if (!Number.isInteger(v) || v < min || v > max) usageError(`--${flag} must be an integer in [${min}, ${max}], got "${raw}"`);
      return v;
    },
    lintasOption(raw) {
      if (raw !== 'auto' && raw !== 'dist' && raw !== 'src') usageError(`--lintas must be auto, dist or src, got "${raw}"`);
      return raw as 'auto' | 'dist' | 'src';
    },
  };
}
