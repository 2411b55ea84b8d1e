/**
 * Slow start (Envoy's `slow_start_config`): an endpoint that has just come
 * back (its first passing health check after it rejoined, its return from an
 * ejection, or, without health checks, its arrival) gets a share of traffic
 * that ramps up over a window instead of its full share at once, so a cold
 * backend is not flooded. Pure: the clock is an argument.
 *
 * weight = max(minWeightPercent / 100, (elapsed / window) ^ (1 / aggression)), and 1 once the window has passed.
 * @module
 */
import type { SlowStartIR } from '../../../ir/index.ts';

/** The weight (0, 1] of an endpoint that came back at `since` (undefined: never ramping), at `now`. */
export function slowStartWeight(config: SlowStartIR, since: number | undefined, now: number): number {
  if (since === undefined || config.windowMs <= 0) return 1;
  const elapsed = now - since;
  if (elapsed >= config.windowMs) return 1;
  const floor = Math.min(1, Math.max(0, config.minWeightPercent) / 100);
  const ramp = Math.max(0, elapsed) / config.windowMs;
  const shaped = config.aggression > 0 ? ramp ** (1 / config.aggression) : ramp;
  return Math.max(floor, shaped, Number.EPSILON);
}
