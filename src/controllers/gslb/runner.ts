/**
 * The GSLB runner (issue 18): thin, impure glue around the pure translator. Every tick it
 * re-translates the latest sources (fleet, Gateway IR, health-contract exclusions, drains,
 * failover moves) with the probe verdicts so far, sends the probes that are due — `GET` on
 * the hostname's health path, with its `Host`, through each cluster's Gateway — and
 * publishes the public DNS IR whenever it changed, bumping the SOA serial. Every change of a
 * hostname's answered clusters is one audit record (actor `system:gslb[@instance]`), so a DNS
 * move caused by a probe, a drain or a governed failover is on the same chain as the rest.
 * @module
 */
import http from 'node:http';
import { setMaxListeners } from 'node:events';
import type { PublicDnsIR, PublicHostIR } from '../../ir/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { AuditDraft } from '../../store/index.ts';
import { httpCall } from '../health/http-client.ts';
import { ProbeBook, type ProbeOutcome, type ProbeState } from './probes.ts';
import { translateGslb } from './translate.ts';
import type { GslbInput, GslbResult, ProbeTarget } from './types.ts';

/** What the runner translates from, as of now; undefined before the first fleet snapshot. */
export type GslbSources = Pick<GslbInput, 'fleetObjects' | 'gateway' | 'excluded' | 'drained' | 'ownership'>;

/** One change of a hostname's answers, as audited. */
export interface GslbMoveRecord {
  readonly at: string;
  readonly hostname: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly reason: string;
}

/** Options of {@link startGslbRunner}. */
export interface GslbRunnerOptions {
  readonly log: Logger;
  readonly sources: () => GslbSources | undefined;
  /** Receives every new translation whose answers or zones changed (and the first one). */
  readonly onChange: (result: GslbResult) => void;
  /** Where answer moves are audited, all the moves of one evaluation at once (absent: logged only). */
  readonly audit?: (drafts: readonly AuditDraft[]) => Promise<unknown>;
  /** Names this DNS instance in the audit trail (several instances answer for one zone). */
  readonly instance?: string;
  /** Sends one probe; default: an HTTP GET through the Gateway. Tests and split-brain drills replace it. */
  readonly probe?: (target: ProbeTarget, signal: AbortSignal) => Promise<ProbeOutcome>;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  /** How often the sources are re-read and due probes sent (default 200 ms). */
  readonly tickMs?: number;
}

/** A running GSLB runner. */
export interface GslbRunner {
  /** The latest translation (empty before the first sources). */
  current(): GslbResult;
  /** The sources the latest translation read (undefined before the first). */
  translated(): GslbSources | undefined;
  /** Re-translates now, even when no source changed identity. */
  refresh(): void;
  /** The live state of every probe target by key. */
  probes(): ReadonlyMap<string, ProbeState>;
  /** The most recent answer moves, oldest first. */
  moves(): readonly GslbMoveRecord[];
  /** Stops ticking and aborts the probes in flight. */
  stop(): void;
}

const DEFAULT_TICK_MS = 200;
// How long verdict changes are gathered before one re-translation.
const COALESCE_MS = 10;
const RECENT_MOVES = 100;
const EMPTY: GslbResult = { ir: { zones: [] }, dnsPolicies: [], probes: [] };

/** The default probe: `GET http://address:port/path` with `Host: hostname`; 2xx and 3xx pass (as Route 53's). */
export function httpProbe(agent: http.Agent): (t: ProbeTarget, signal: AbortSignal) => Promise<ProbeOutcome> {
  return async (t, signal) => {
    const answer = await httpCall({ address: t.address, port: t.port, method: 'GET', path: t.path, headers: { host: t.hostname, 'user-agent': 'lintas-gslb' }, timeoutMs: t.timeoutMs, agent, signal });
    if (answer.status === undefined) return { ok: false, detail: answer.error ?? 'no answer' };
    return { ok: answer.status >= 200 && answer.status < 400, detail: String(answer.status) };
  };
}

/** The IR without its serials: what decides whether anything changed. */
function signature(ir: PublicDnsIR): string {
  return JSON.stringify(ir.zones.map((z) => ({ ...z, soa: { ...z.soa, serial: 0 } })));
}

function hostsOf(ir: PublicDnsIR): Map<string, PublicHostIR> {
  return new Map(ir.zones.flatMap((z) => z.hosts.map((h) => [h.hostname, h] as const)));
}

/** Why the answered clusters of a hostname changed, in words: each removed cluster's first failing check, each added one's state. */
function describeMove(before: PublicHostIR, after: PublicHostIR): string {
  const was = new Set(before.eligible);
  const is = new Set(after.eligible);
  const parts: string[] = [];
  for (const c of after.candidates) {
    if (was.has(c.cluster) && !is.has(c.cluster)) {
      const failing = c.evidence.find((e) => !e.ok);
      parts.push(`${c.cluster} removed: ${failing !== undefined ? `${failing.check}: ${failing.detail}` : 'no longer a candidate'}`);
    } else if (!was.has(c.cluster) && is.has(c.cluster)) {
      parts.push(`${c.cluster} added: ${c.healthy ? 'every check passes' : 'no cluster is healthy, failing open'}`);
    }
  }
  for (const c of before.eligible) if (!after.candidates.some((x) => x.cluster === c)) parts.push(`${c} removed: its Gateway no longer serves the hostname`);
  if (after.noHealthy && !before.noHealthy) parts.push(`no cluster is healthy (${after.onNoHealthyRegion})`);
  return parts.join('; ');
}

/** Starts the runner; the first evaluation happens at once. */
export function startGslbRunner(options: GslbRunnerOptions): GslbRunner {
  const log = options.log.child({ component: 'gslb' });
  const now = options.now ?? (() => new Date().getTime());
  const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const probe = options.probe ?? httpProbe(agent);
  const actor = `system:gslb${options.instance !== undefined ? `@${options.instance}` : ''}`;
  const book = new ProbeBook();
  const recent: GslbMoveRecord[] = [];
  let serial = Math.floor(now() / 1000);
  let published: GslbResult = EMPTY;
  let read: GslbSources | undefined;
  let lastSignature: string | undefined;
  let stopped = false;
  let auditing: Promise<unknown> = Promise.resolve();
  // Re-translating 100s of hostnames every tick costs; only a new verdict or new sources need it.
  let verdictsChanged = true;
  let soon: NodeJS.Timeout | undefined;
  let lastSources: GslbSources | undefined;
  const sameSources = (a: GslbSources, b: GslbSources | undefined): boolean =>
    b !== undefined && a.fleetObjects === b.fleetObjects && a.gateway === b.gateway && a.excluded === b.excluded && a.drained === b.drained && a.ownership === b.ownership;

  const audit = (before: PublicDnsIR, after: PublicDnsIR, at: string): void => {
    const old = hostsOf(before);
    const drafts: AuditDraft[] = [];
    for (const [hostname, h] of hostsOf(after)) {
      const prev = old.get(hostname);
      // A move is a change of the answered clusters (entering fail-open with the same set is the alert's business).
      if (prev === undefined || prev.eligible.join(',') === h.eligible.join(',')) continue;
      const reason = describeMove(prev, h);
      const move: GslbMoveRecord = { at, hostname, before: prev.eligible, after: h.eligible, reason };
      recent.push(move);
      recent.splice(0, Math.max(0, recent.length - RECENT_MOVES));
      log.info('dns answers changed', { hostname, before: prev.eligible, after: h.eligible, reason });
      drafts.push({
        time: at,
        actor,
        action: 'DnsAnswersChanged',
        target: `dns/${hostname}`,
        reason,
        before: { clusters: prev.eligible, noHealthy: prev.noHealthy },
        after: { clusters: h.eligible, noHealthy: h.noHealthy },
        evidence: { policy: h.policy, strategy: h.strategy.type, candidates: h.candidates.map((c) => ({ cluster: c.cluster, region: c.region, healthy: c.healthy, evidence: c.evidence })) },
      });
    }
    const write = options.audit;
    if (write === undefined || drafts.length === 0) return;
    // One write per evaluation (one transaction for every hostname a region failure moves), in order;
    // a failed write is logged and never stops the answers from moving.
    auditing = auditing.then(() => write(drafts)).catch((error: unknown) => log.error('dns answer moves not audited', { hostnames: drafts.map((d) => d.target), error: (error as Error).message }));
  };

  const evaluate = (force = false): void => {
    if (stopped) return;
    let result: GslbResult;
    try {
      const sources = options.sources();
      if (sources === undefined) return;
      if (!force && !verdictsChanged && sameSources(sources, lastSources)) {
        sendDue(published.probes);
        return;
      }
      verdictsChanged = false;
      lastSources = sources;
      read = sources;
      const at = new Date(now()).toISOString();
      const input: GslbInput = { ...sources, probes: book.verdicts(), now: at, previous: published.dnsPolicies, serial };
      result = translateGslb(input);
      const sig = signature(result.ir);
      if (sig !== lastSignature) {
        if (lastSignature !== undefined) {
          // RFC 1982: the serial only grows; seconds since the epoch, or one more when changes come faster.
          serial = Math.max(serial + 1, Math.floor(now() / 1000));
          result = translateGslb({ ...input, serial });
          audit(published.ir, result.ir, at);
        }
        lastSignature = sig;
        published = result;
        options.onChange(result);
      } else published = result;
    } catch (error) {
      log.error('gslb translation failed; keeping the previous answers', { error: (error as Error).stack ?? String(error) });
      return;
    }
    sendDue(result.probes);
  };

  function sendDue(targets: GslbResult['probes']): void {
    for (const t of book.due(targets, now())) {
      void probe(t, abort.signal)
        .catch((error: unknown): ProbeOutcome => ({ ok: false, detail: (error as Error).message }))
        .then((outcome) => {
          if (stopped || !book.record(t, outcome)) return;
          verdictsChanged = true;
          // Verdicts arrive in bursts (every target of a failed region at once): translate once per burst.
          soon ??= setTimeout(() => {
            soon = undefined;
            evaluate();
          }, COALESCE_MS);
        });
    }
  }

  const timer = setInterval(() => evaluate(), options.tickMs ?? DEFAULT_TICK_MS);
  timer.unref();
  evaluate();
  return {
    current: () => published,
    translated: () => read,
    refresh: () => evaluate(true),
    probes: () => book.states(),
    moves: () => [...recent],
    stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(soon);
      abort.abort();
      agent.destroy();
    },
  };
}
