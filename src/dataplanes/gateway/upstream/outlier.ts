/**
 * Passive outlier detection for one endpoint, after Envoy's consecutive-5xx
 * and consecutive-gateway-failure detectors (`outlier.rst`), as pure
 * functions over a small mutable record so a fake clock can drive them.
 *
 * - Every 5xx counts toward `consecutive5xx`; 502/503/504 and transport
 *   failures (connect refused, reset, timeout) also count toward
 *   `consecutiveGatewayErrors` (Envoy's non-split mode, where local-origin
 *   failures are treated as 503). Any other response resets both counters.
 * - Ejection time is `base × n`, capped at `max(base, max)`, where `n` is the
 *   ejection multiplier: +1 per ejection, −1 per `interval` spent un-ejected
 *   (Envoy decrements on each healthy interval sweep; here it is computed
 *   lazily from the time of the last un-ejection).
 * - Outcomes that arrive while the endpoint is ejected (in-flight requests)
 *   are ignored, and so are `uncharged` ones (a client that went away, a
 *   request refused while being built): they neither count nor reset.
 * @module
 */
import type { OutlierDetectionIR } from '../../../ir/index.ts';
import type { AttemptOutcome } from './types.ts';

/**
 * Defaults when an upstream has no outlier settings. Tighter than Envoy's
 * (gateway errors on at 3, 1 s interval, 50 % max ejection) because the
 * gateway must route around a dead endpoint within ~2 s under load.
 */
export const DEFAULT_OUTLIER_DETECTION: OutlierDetectionIR = {
  consecutive5xx: 5,
  consecutiveGatewayErrors: 3,
  intervalMs: 1_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 50,
};

/** Why an endpoint was ejected. */
export type EjectionReason = 'consecutive_5xx' | 'consecutive_gateway_errors';

/** Outlier state of one endpoint (mutated in place by the functions below). */
export interface OutlierState {
  consecutive5xx: number;
  consecutiveGateway: number;
  /** Ejected while `now < ejectedUntil`; 0 when not ejected. */
  ejectedUntil: number;
  /** Ejection multiplier as of `multiplierAt` (decays by one per interval while not ejected). */
  multiplier: number;
  /** When the multiplier last stopped growing (the end of the last ejection). */
  multiplierAt: number;
  /** How many times this endpoint has been ejected in total (for explain/metrics). */
  ejections: number;
}

/** A fresh, never-ejected state. */
export function newOutlierState(): OutlierState {
  return { consecutive5xx: 0, consecutiveGateway: 0, ejectedUntil: 0, multiplier: 0, multiplierAt: 0, ejections: 0 };
}

/** True when the endpoint is ejected at `now`. */
export function isEjected(state: OutlierState, now: number): boolean {
  return state.ejectedUntil > 0 && now < state.ejectedUntil;
}

/** True when an outcome is a gateway error: 502/503/504 or a transport failure. */
export function isGatewayError(outcome: AttemptOutcome): boolean {
  if (outcome.error !== undefined) return true;
  return outcome.status === 502 || outcome.status === 503 || outcome.status === 504;
}

/**
 * Counts one attempt outcome. Returns the detector that tripped (the caller
 * decides whether the max-ejection-percent rule lets it eject), or undefined.
 */
export function recordOutcome(
  state: OutlierState,
  outcome: AttemptOutcome,
  config: OutlierDetectionIR,
  now: number,
): EjectionReason | undefined {
  if (outcome.uncharged === true || isEjected(state, now)) return undefined;
  const gateway = isGatewayError(outcome);
  const is5xx = gateway || (outcome.status !== undefined && outcome.status >= 500);
  if (!is5xx) {
    state.consecutive5xx = 0;
    state.consecutiveGateway = 0;
    return undefined;
  }
  state.consecutive5xx += 1;
  if (gateway) state.consecutiveGateway += 1;
  else state.consecutiveGateway = 0;
  if (config.consecutiveGatewayErrors > 0 && state.consecutiveGateway >= config.consecutiveGatewayErrors) {
    return 'consecutive_gateway_errors';
  }
  if (config.consecutive5xx > 0 && state.consecutive5xx >= config.consecutive5xx) return 'consecutive_5xx';
  return undefined;
}

/**
 * Max ejection percent, Envoy style: an ejection is allowed while the ejected
 * share after it stays within `maxPercent` of the upstream's endpoints, and
 * one endpoint may always be ejected when none is (so small upstreams, where
 * the percentage rounds down to zero hosts, still route around a dead one).
 */
export function ejectionAllowed(ejectedNow: number, total: number, maxPercent: number): boolean {
  if (total <= 0) return false;
  if (ejectedNow === 0) return true;
  return (100 * (ejectedNow + 1)) / total <= maxPercent;
}

/** Multiplier after decay: one step per full interval spent un-ejected since `multiplierAt`. */
export function decayedMultiplier(state: OutlierState, config: OutlierDetectionIR, now: number): number {
  if (state.multiplier <= 0) return 0;
  const interval = Math.max(1, config.intervalMs);
  const steps = Math.floor(Math.max(0, now - state.multiplierAt) / interval);
  return Math.max(0, state.multiplier - steps);
}

/** Ejects the endpoint at `now`; returns the ejection duration in ms. */
export function eject(state: OutlierState, config: OutlierDetectionIR, now: number): number {
  const multiplier = decayedMultiplier(state, config, now) + 1;
  const cap = Math.max(config.baseEjectionTimeMs, config.maxEjectionTimeMs);
  const duration = Math.min(cap, config.baseEjectionTimeMs * multiplier);
  state.multiplier = multiplier;
  state.ejectedUntil = now + duration;
  state.multiplierAt = state.ejectedUntil;
  state.ejections += 1;
  state.consecutive5xx = 0;
  state.consecutiveGateway = 0;
  return duration;
}

/** Ends an ejection whose time has passed; true when the endpoint just came back. */
export function expireEjection(state: OutlierState, now: number): boolean {
  if (state.ejectedUntil === 0 || now < state.ejectedUntil) return false;
  state.ejectedUntil = 0;
  return true;
}

/** Ends an ejection early (a successful active health check, as Envoy does by default). */
export function uneject(state: OutlierState, now: number): boolean {
  if (state.ejectedUntil === 0) return false;
  const wasEjected = now < state.ejectedUntil;
  state.ejectedUntil = 0;
  state.multiplierAt = now;
  state.consecutive5xx = 0;
  state.consecutiveGateway = 0;
  return wasEjected;
}
