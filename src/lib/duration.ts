/**
 * Gateway API Duration (GEP-2257) parsing and formatting, in milliseconds.
 *
 * GEP-2257 durations are the subset of Go's time.ParseDuration syntax that
 * matches `^([0-9]{1,5}(h|m|s|ms)){1,4}$`: integers only, no sign, no units
 * below milliseconds. Values are milliseconds because that is the finest unit
 * the format can express, so a JS number holds every duration exactly.
 */

const GEP_2257 = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
// "ms" must be tried before "m" or "5ms" would split into "5m" + "s".
const COMPONENT = /([0-9]{1,5})(ms|h|m|s)/g;

const MS_PER: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

// Canonical output uses each unit at most once, so the hour field caps what
// can be written: 99999h59m59s999ms.
const MAX_FORMATTABLE_MS = 99_999 * 3_600_000 + 59 * 60_000 + 59 * 1_000 + 999;

/** Parses a GEP-2257 duration such as "1h30m" or "500ms" into milliseconds; undefined when invalid. */
export function parseGatewayDuration(s: string): number | undefined {
  if (!GEP_2257.test(s)) return undefined;
  let total = 0;
  // Go's ParseDuration sums components, so repeated or out-of-order units
  // ("1m1h", "30s30s") are valid and simply add up; leading zeros are decimal.
  for (const m of s.matchAll(COMPONENT)) {
    total += Number(m[1]) * (MS_PER[m[2] ?? ''] ?? 0);
  }
  return total;
}

/** Formats milliseconds as canonical GEP-2257 ("0s", "1h30m", "1s500ms"); throws RangeError if unrepresentable. */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_FORMATTABLE_MS) {
    throw new RangeError(
      `cannot format ${ms}ms as a Gateway API duration: must be a whole number of milliseconds between 0 and ${MAX_FORMATTABLE_MS}`,
    );
  }
  if (ms === 0) return '0s';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1_000);
  const rest = ms % 1_000;
  // Greatest unit first, zero components omitted: this is the single
  // canonical spelling GEP-2257 asks implementations to emit.
  return (h ? `${h}h` : '') + (m ? `${m}m` : '') + (s ? `${s}s` : '') + (rest ? `${rest}ms` : '');
}
