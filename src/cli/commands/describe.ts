/**
 * `lintas describe KIND NS/NAME`: one object in detail, with where it came from,
 * what refers to it, and the issues the validator found on it.
 * @module
 */
import { stringify } from 'yaml';
import type { AnyObject, Issue, Sourced } from '../../api/index.ts';
import type { FleetView } from '../view.ts';
import { formatIssue } from '../../validation/index.ts';
import { loadConfig, resolveConfigDir } from '../fleet-config.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';
import { resolveKinds } from './get.ts';
import { redacted } from '../printers.ts';
import { selectObjects } from '../query.ts';
import { viewFor } from '../view.ts';

/** Options of `describe`. */
export interface DescribeOptions {
  readonly namespace?: string;
  readonly cluster?: string;
  readonly config?: string;
  readonly server?: string;
  readonly stateDir?: string;
}

const pairs = (m: Readonly<Record<string, string>> | undefined): string[] => (m && Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${k}=${v}`) : ['<none>']);

/** Renders kubectl-describe style text for one object. */
export function describeObject(s: Sourced<AnyObject>, snapshot: FleetView, issues: readonly Issue[]): string {
  const o = s.object;
  const lines: string[] = [];
  const field = (label: string, value: string | string[]): void => {
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, i) => lines.push(`${(i === 0 ? `${label}:` : '').padEnd(14)}${v}`));
  };
  field('Name', o.metadata.name);
  if (o.metadata.namespace) field('Namespace', o.metadata.namespace);
  if (s.cluster) field('Cluster', s.cluster);
  field('Kind', o.kind);
  field('API Version', o.apiVersion);
  field('Labels', pairs(o.metadata.labels));
  field('Annotations', pairs(o.metadata.annotations));
  field('Source', `${s.origin.file}:${s.origin.line}`);
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = redacted(o) as Record<string, unknown>;
  // Everything but the envelope (spec, or addressType/endpoints/ports for EndpointSlices), as YAML.
  if (Object.keys(rest).length) lines.push(...stringify(rest, { lineWidth: 0 }).trimEnd().split('\n'));
  lines.push(...related(s, snapshot));
  const own = issues.filter(
    (i) => i.file === s.origin.file && i.kind === o.kind && i.name === o.metadata.name && (i.namespace ?? o.metadata.namespace) === o.metadata.namespace,
  );
  field('Issues', own.length ? own.map(formatIssue) : ['<none>']);
  return lines.join('\n');
}

/** Cross-references worth seeing next to an object. */
function related(s: Sourced<AnyObject>, snapshot: FleetView): string[] {
  const o = s.object;
  const inCluster = s.cluster ? (snapshot.clusters.get(s.cluster)?.objects ?? []) : [];
  if (o.kind === 'Service') {
    const slices = inCluster.filter((x) => x.object.kind === 'EndpointSlice' && x.object.metadata.namespace === o.metadata.namespace && x.object.metadata.labels?.['kubernetes.io/service-name'] === o.metadata.name);
    const endpoints = slices.flatMap((x) => (x.object.kind === 'EndpointSlice' ? x.object.endpoints.map((e) => `${e.addresses.join(',')}${e.conditions?.ready === false ? ' (not ready)' : ''}${e.zone ? ` zone=${e.zone}` : ''}`) : []));
    const exported = inCluster.find((x) => x.object.kind === 'ServiceExport' && x.object.metadata.namespace === o.metadata.namespace && x.object.metadata.name === o.metadata.name);
    return [
      `${'Endpoints:'.padEnd(14)}${endpoints.length ? endpoints.join('\n              ') : '<none>'}`,
      `${'Exported:'.padEnd(14)}${exported ? `yes (${exported.object.apiVersion} ServiceExport, ${exported.origin.file}:${exported.origin.line})` : 'no'}`,
    ];
  }
  if (o.kind === 'ServiceImport') return explainImport(o, inCluster, snapshot);
  if (o.kind === 'Cluster') {
    const set = snapshot.fleetObjects.find((x) => x.object.kind === 'ClusterSet' && x.object.spec.clusters.includes(o.metadata.name));
    const objects = snapshot.clusters.get(o.metadata.name as never)?.objects.length ?? 0;
    return [`${'ClusterSet:'.padEnd(14)}${set ? set.object.metadata.name : '<none>'}`, `${'Objects:'.padEnd(14)}${objects}`];
  }
  return [];
}

/** Per-source-cluster endpoints and the conflicts behind a ServiceImport, in plain words. */
function explainImport(o: Extract<AnyObject, { kind: 'ServiceImport' }>, inCluster: readonly Sourced<AnyObject>[], view: FleetView): string[] {
  const lines = ['Endpoints by source cluster:'];
  const slices = inCluster.filter(
    (x) => x.object.kind === 'EndpointSlice' && x.object.metadata.namespace === o.metadata.namespace && x.object.metadata.labels?.['multicluster.kubernetes.io/service-name'] === o.metadata.name,
  );
  for (const source of (o.status?.clusters ?? []).map((c) => c.cluster)) {
    const mine = slices.flatMap((x) => (x.object.kind === 'EndpointSlice' && x.object.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] === source ? [x.object] : []));
    const endpoints = mine.flatMap((e) => e.endpoints);
    const ready = endpoints.filter((e) => e.conditions?.ready !== false).length;
    const ports = [...new Set(mine.flatMap((e) => (e.ports ?? []).map((p) => `${p.name ? `${p.name}:` : ''}${p.port}/${p.protocol}`)))];
    const region = mine[0]?.metadata.annotations?.['lintas.dev/source-region'];
    lines.push(`  ${source}${region ? ` (${region})` : ''}: ${ready}/${endpoints.length} ready, ports ${ports.join(', ') || '<none>'}`);
  }
  const conflicts = new Set<string>();
  for (const cluster of view.clusters.values()) {
    for (const x of cluster.objects) {
      if (x.object.kind !== 'ServiceExport' || x.object.metadata.name !== o.metadata.name || x.object.metadata.namespace !== o.metadata.namespace) continue;
      const status = (x.object as { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }).status;
      for (const c of status?.conditions ?? []) if (c.type === 'Conflict' && c.status === 'True') conflicts.add(`${c.reason}: ${c.message}`);
    }
  }
  lines.push(`${'Conflicts:'.padEnd(14)}${conflicts.size ? [...conflicts].join('\n              ') : 'none: every exporting cluster agrees'}`);
  return lines;
}

/** Runs `describe` and returns the exit code. */
export async function describeCommand(kindArg: string, target: string, options: DescribeOptions, io: CliIO): Promise<number> {
  const [info, ...more] = resolveKinds(kindArg);
  if (!info || more.length) throw new CliError('error: describe takes a single resource type');
  const slash = target.indexOf('/');
  const name = slash < 0 ? target : target.slice(slash + 1);
  const namespace = slash < 0 ? (options.namespace ?? (info.namespaced ? 'default' : undefined)) : target.slice(0, slash);
  if (slash >= 0 && !info.namespaced) throw new CliError(`error: ${info.plural} are not namespaced; use just NAME`);
  const result = await loadConfig(resolveConfigDir(options.config, io));
  const view = await viewFor(result.snapshot, [info], { server: options.server, stateDir: options.stateDir, cwd: io.cwd });
  const found = selectObjects(view, { kinds: [info], name, namespace, cluster: options.cluster, selector: [] });
  if (found.length === 0) {
    io.err(`Error from fleet (NotFound): ${info.plural} "${name}" not found${namespace ? ` in namespace "${namespace}"` : ''}${options.cluster ? ` in cluster ${options.cluster}` : ''}`);
    return EXIT.invalid;
  }
  io.out(found.map((s) => describeObject(s, view, result.issues)).join('\n\n\n'));
  return EXIT.ok;
}
