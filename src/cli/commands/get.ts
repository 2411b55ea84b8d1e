/**
 * `lintas get KIND[,KIND] [NAME]`: kubectl get over a fleet directory, offline.
 * @module
 */
import { KINDS, resolveKindName, type KindInfo } from '../../api/index.ts';
import { parseSelector, SelectorParseError, type Selector } from '../../lib/index.ts';
import { hasErrors } from '../../validation/index.ts';
import { loadConfig, resolveConfigDir } from '../fleet-config.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';
import { OUTPUT_FORMATS, printObjects, type OutputFormat } from '../printers.ts';
import { selectObjects } from '../query.ts';
import { viewFor } from '../view.ts';

/** Options of `get` (and the shared flags of `describe`). */
export interface GetOptions {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly cluster?: string;
  readonly selector?: string;
  readonly output: string;
  readonly config?: string;
  /** Admin URL of a running `lintas serve` to read computed objects from. */
  readonly server?: string;
  /** Where `lintas serve` keeps its state (ClusterSetIP allocations) for offline translation. */
  readonly stateDir?: string;
}

/** Resolves `svc,eps` style kind lists; unknown names are usage errors. */
export function resolveKinds(arg: string): KindInfo[] {
  return arg.split(',').map((name) => {
    const info = resolveKindName(name.trim());
    if (!info) {
      const known = KINDS.map((k) => k.plural).join(', ');
      throw new CliError(`error: the fleet has no resource type "${name}"; known types: ${known}`);
    }
    return info;
  });
}

/** Parses `-l`; syntax errors are usage errors. */
export function resolveSelector(arg: string | undefined): Selector {
  try {
    return arg ? parseSelector(arg) : [];
  } catch (error) {
    // parseSelector's messages already say `invalid label selector "<arg>": ...`.
    if (error instanceof SelectorParseError) throw new CliError(`error: ${error.message}`);
    throw error;
  }
}

/** Runs `get` and returns the exit code. */
export async function getCommand(kindArg: string, name: string | undefined, options: GetOptions, io: CliIO): Promise<number> {
  const kinds = resolveKinds(kindArg);
  if (!(OUTPUT_FORMATS as readonly string[]).includes(options.output)) {
    throw new CliError(`error: unknown output format "${options.output}"; use one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  if (options.allNamespaces && options.namespace) throw new CliError('error: -n and -A cannot be used together');
  if (name !== undefined && kinds.length > 1) throw new CliError('error: a NAME needs a single resource type');
  const selector = resolveSelector(options.selector);
  const result = await loadConfig(resolveConfigDir(options.config, io));
  if (hasErrors(result.issues)) {
    io.err(`warning: the fleet has ${result.issues.filter((i) => i.severity === 'error').length} error(s); invalid objects are not shown (run lintas validate)`);
  }
  if (options.cluster !== undefined && !result.snapshot.clusters.has(options.cluster as never)) {
    throw new CliError(`error: cluster "${options.cluster}" not found; clusters: ${[...result.snapshot.clusters.keys()].join(', ') || 'none'}`, EXIT.invalid);
  }
  // kubectl semantics: the default namespace unless -n or -A.
  const namespace = options.allNamespaces ? undefined : (options.namespace ?? 'default');
  const view = await viewFor(result.snapshot, kinds, { server: options.server, stateDir: options.stateDir, cwd: io.cwd });
  const objects = selectObjects(view, { kinds, name, namespace, cluster: options.cluster, selector });
  if (objects.length === 0) {
    if (name !== undefined) {
      io.err(`Error from fleet (NotFound): ${kinds[0]?.plural} "${name}" not found${namespace && kinds[0]?.namespaced ? ` in namespace "${namespace}"` : ''}`);
      return EXIT.invalid;
    }
    if (options.output === 'json' || options.output === 'yaml') io.out(printObjects([], { format: options.output, allNamespaces: false, showCluster: false }));
    else {
      const anyNamespaced = kinds.some((k) => k.namespaced);
      io.err(anyNamespaced && namespace ? `No resources found in ${namespace} namespace (use -A for all namespaces).` : 'No resources found.');
    }
    return EXIT.ok;
  }
  io.out(printObjects(objects, { format: options.output as OutputFormat, allNamespaces: namespace === undefined, showCluster: options.cluster === undefined }));
  return EXIT.ok;
}
