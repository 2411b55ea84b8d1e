/**
 * `lintas route explain`: which listener, virtual host and rule a request would
 * hit in an entry cluster, why the other rules lost, the backends with their share,
 * and the candidate endpoints by locality priority with health. Offline it
 * translates the config dir (every endpoint counts as healthy: no traffic has been
 * seen); with `--server` it asks the running `lintas serve`, whose upstream set knows
 * live health and ejections.
 * @module
 */
import { parseHeaderList } from '../../runtime/index.ts';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadMcsState, translateGateway, translateMcs } from '../../controllers/index.ts';
import { createUpstreamSet, explainRoute, type ExplainRequest, type RouteExplanation } from '../../dataplanes/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { hasErrors } from '../../validation/index.ts';
import { loadConfig, resolveConfigDir } from '../fleet-config.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';

/** Options of `route explain`. */
export interface RouteExplainOptions {
  readonly config?: string;
  readonly cluster: string;
  readonly host: string;
  readonly path: string;
  readonly method?: string;
  readonly header?: readonly string[];
  readonly listener?: string;
  readonly server?: string;
  readonly stateDir?: string;
  readonly output?: string;
}

/** Parses repeated `-H 'Name: value'`; usage error when malformed. */
export function parseHeaderFlags(values: readonly string[] | undefined): Record<string, string> {
  // The same parser as the admin API's `header=` parameters; only the error is the CLI's.
  const bad = (values ?? []).find((value) => value.indexOf(':') <= 0);
  if (bad !== undefined) throw new CliError(`error: -H must be "Name: value", got "${bad}"`);
  return parseHeaderList(values ?? []);
}

/** Human-readable rendering of the explanation. */
export function formatExplanation(list: readonly RouteExplanation[], req: ExplainRequest): string {
  if (list.length === 0) return `no Lintas listener in cluster ${req.cluster}${req.listener ? ` at ${req.listener}` : ''}`;
  const out: string[] = [];
  for (const e of list) {
    out.push(`listener ${e.listener}${e.gateway ? ` (gateway ${e.gateway}, listener ${e.listenerName})` : ''}`);
    if (e.virtualHost === undefined) {
      out.push(`  no virtual host matches Host "${req.host}" → 404 (NR)`, '');
      continue;
    }
    out.push(`  virtual host ${e.virtualHost}`);
    for (const r of e.rules) out.push(`  ${r.outcome === 'winner' ? '✓' : r.outcome === 'no-match' ? '✗' : '·'} ${r.route} rule ${r.ruleIndex} [${r.rule}]: ${r.reason}`);
    if (e.winner === undefined) out.push('  → 404: no rule matches (NR)');
    else if (e.status !== undefined) out.push(`  → answered by the gateway itself with ${e.status}`);
    for (const b of e.backends) {
      out.push(`  backend ${b.backend} weight ${b.weight} (${b.share}%)${b.invalid ? ` INVALID → 500: ${b.invalid}` : ''}`);
      if (b.policy !== undefined) {
        const p = b.policy;
        out.push(`    policy ${p.policy} (${p.mode}), ${p.requestClass}${p.ownershipKey !== undefined ? `, key ${p.ownershipKey} → owner ${p.owner ?? 'none'} (epoch ${String(p.epoch ?? '-')})` : ''}`);
        out.push(`      ${p.answer !== undefined ? `→ ${String(p.answer)}: ` : ''}${p.decision}`);
      }
      if (b.upstream === undefined) continue;
      const u = b.upstream;
      const levelName = (i: number): string => (u.levelClusters !== undefined ? (u.levelClusters[i] ?? '') : (['same zone', 'same cluster', 'same region', 'other regions'][i] ?? ''));
      const load = u.priorityLoad.map((p, i) => `P${i}${u.levelClusters !== undefined ? `(${levelName(i)})` : ''} ${Math.round(p * 10) / 10}%`).join(' ');
      out.push(`    priority load ${load}${u.panic ? ' (PANIC: health ignored)' : ''}`);
      for (const x of u.excludedClusters ?? []) out.push(`    excluded ${x.cluster}: ${x.reason}`);
      for (const ep of [...u.endpoints].sort((x, y) => (x.priority < 0 ? 99 : x.priority) - (y.priority < 0 ? 99 : y.priority) || (x.key < y.key ? -1 : 1))) {
        const state = !ep.ready
          ? 'not ready'
          : ep.ejected
            ? 'EJECTED'
            : ep.awaitingHealthCheck === true
              ? 'PENDING (back: waits for a passing health check)'
              : !ep.healthy
                ? 'UNHEALTHY'
                : ep.slowStartWeight !== undefined
                  ? `healthy, slow start ${String(Math.round(ep.slowStartWeight * 100))}%`
                  : 'healthy';
        const level = ep.priority < 0 ? 'skipped (policy or excluded cluster)' : `P${ep.priority} ${levelName(ep.priority)}`;
        out.push(`    ${level}: ${ep.key} ${ep.cluster}${ep.region ? `/${ep.region}` : ''}${ep.zone ? `/${ep.zone}` : ''} ${state}, ${ep.activeRequests} active`);
      }
      if (u.endpoints.length === 0) out.push('    no endpoints → 503 (UH)');
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

async function explainLive(server: string, req: ExplainRequest): Promise<RouteExplanation[]> {
  const url = new URL('/api/v1/explain', server);
  url.searchParams.set('cluster', req.cluster);
  url.searchParams.set('host', req.host);
  url.searchParams.set('path', req.path);
  if (req.method) url.searchParams.set('method', req.method);
  if (req.listener) url.searchParams.set('listener', req.listener);
  for (const [k, v] of Object.entries(req.headers ?? {})) url.searchParams.append('header', `${k}: ${v}`);
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch((error: unknown) => {
    throw new CliError(`error: cannot reach ${server}: ${(error as Error).message}`, EXIT.invalid);
  });
  if (!res.ok) throw new CliError(`error: ${url.href} answered ${res.status}`, EXIT.invalid);
  return (await res.json()) as RouteExplanation[];
}

/** Runs `route explain`; exit 0 when a rule matched, 1 when the request would get 404. */
export async function routeExplainCommand(options: RouteExplainOptions, io: CliIO): Promise<number> {
  const req: ExplainRequest = {
    cluster: options.cluster,
    host: options.host,
    path: options.path.startsWith('/') ? options.path : `/${options.path}`,
    ...(options.method !== undefined ? { method: options.method.toUpperCase() } : {}),
    headers: parseHeaderFlags(options.header),
    ...(options.listener !== undefined ? { listener: options.listener } : {}),
  };
  let list: RouteExplanation[];
  if (options.server) {
    list = await explainLive(options.server, req);
  } else {
    const dir = resolveConfigDir(options.config, io);
    const loaded = await loadConfig(dir);
    if (hasErrors(loaded.issues)) throw new CliError(`error: ${dir} has errors; run \`lintas validate ${dir}\``, EXIT.invalid);
    const now = new Date().toISOString();
    const state = loadMcsState(options.stateDir ? join(resolve(io.cwd, options.stateDir), 'mcs-state.json') : undefined, silentLogger);
    const mcs = translateMcs({ snapshot: loaded.snapshot, now, state });
    const gateway = translateGateway({ snapshot: loaded.snapshot, mcs, now, eastWest: true });
    const upstreams = createUpstreamSet({ log: silentLogger, healthCheck: { enabled: false } });
    try {
      upstreams.update(gateway.ir.upstreams);
      list = explainRoute(gateway.ir, req, upstreams);
    } finally {
      upstreams.close();
    }
  }
  const output = options.output ?? 'text';
  if (output === 'json') io.out(JSON.stringify(list, null, 2));
  else if (output === 'yaml') io.out(stringify(list).trimEnd());
  else io.out(formatExplanation(list, req));
  return list.some((e) => e.winner !== undefined) ? EXIT.ok : EXIT.invalid;
}
