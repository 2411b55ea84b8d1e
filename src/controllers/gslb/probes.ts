/**
 * The probe book of the GSLB runner: per probe target (hostname × cluster × Gateway address),
 * when it is due, its success and failure streaks, and the verdict they give. A target starts
 * "not probed yet" (answered); its first result decides at once, since there is no earlier
 * verdict to hold; after that it turns unhealthy after `failureThreshold` failures in a row
 * and healthy again after `successThreshold` successes in a row, like Route 53's and Envoy's
 * health checks. Pure bookkeeping: the clock and the results are passed in.
 * @module
 */
import type { ProbeTarget, ProbeVerdict } from './types.ts';

/** What one probe saw. */
export interface ProbeOutcome {
  readonly ok: boolean;
  /** `200`, `503`, `ECONNREFUSED`, `timeout after 500ms`. */
  readonly detail: string;
}

interface Entry {
  nextAt: number;
  inFlight: boolean;
  successes: number;
  failures: number;
  /** Changes only when the verdict flips, so the answers (and the SOA serial) stay put between flips. */
  verdict?: ProbeVerdict;
  last?: ProbeOutcome & { readonly streak: string };
}

/** The live state of one target, for `lintas dns explain`. */
export interface ProbeState {
  readonly verdict?: ProbeVerdict;
  readonly last?: ProbeOutcome & { readonly streak: string };
}

/** The probe states of every current target. */
export class ProbeBook {
  private readonly entries = new Map<string, Entry>();

  /** Forgets targets that are gone; returns the ones due at `now` (marking them in flight). */
  due(targets: readonly ProbeTarget[], now: number): ProbeTarget[] {
    const live = new Set(targets.map((t) => t.key));
    for (const key of [...this.entries.keys()]) if (!live.has(key)) this.entries.delete(key);
    const due: ProbeTarget[] = [];
    for (const t of targets) {
      let e = this.entries.get(t.key);
      if (e === undefined) {
        e = { nextAt: now, inFlight: false, successes: 0, failures: 0 };
        this.entries.set(t.key, e);
      }
      if (e.inFlight || now < e.nextAt) continue;
      e.inFlight = true;
      e.nextAt = now + t.intervalMs;
      due.push(t);
    }
    return due;
  }

  /** Records a result; true when the target's verdict changed (or it got its first one). */
  record(t: ProbeTarget, outcome: ProbeOutcome): boolean {
    const e = this.entries.get(t.key);
    if (e === undefined) return false;
    e.inFlight = false;
    if (outcome.ok) {
      e.successes += 1;
      e.failures = 0;
    } else {
      e.failures += 1;
      e.successes = 0;
    }
    const before = e.verdict?.ok;
    const ok = before === undefined ? outcome.ok : before ? e.failures < t.failureThreshold : e.successes >= t.successThreshold;
    const streak = outcome.ok ? `${String(e.successes)} success${e.successes === 1 ? '' : 'es'} in a row, threshold ${String(t.successThreshold)}` : `${String(e.failures)} failure${e.failures === 1 ? '' : 's'} in a row, threshold ${String(t.failureThreshold)}`;
    e.last = { ...outcome, streak };
    if (before === ok) return false;
    e.verdict = { ok, detail: `${outcome.detail} (${streak})` };
    return true;
  }

  /** The live state of every target by key. */
  states(): ReadonlyMap<string, ProbeState> {
    return new Map([...this.entries].map(([k, e]) => [k, { ...(e.verdict !== undefined ? { verdict: e.verdict } : {}), ...(e.last !== undefined ? { last: e.last } : {}) }]));
  }

  /** The verdicts by target key (targets not probed yet have none). */
  verdicts(): Record<string, ProbeVerdict> {
    const out: Record<string, ProbeVerdict> = {};
    for (const [key, e] of [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) if (e.verdict !== undefined) out[key] = e.verdict;
    return out;
  }
}
