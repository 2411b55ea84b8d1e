/**
 * The live connection's pure parts: how long to wait before reconnecting, and how old the
 * snapshot on screen is, in words.
 * @module
 */

/** Back-off before reconnect attempt `attempt` (0-based): 0.5 s doubling to at most 10 s, with up to 20 % jitter from `random` (0..1). */
export function reconnectDelayMs(attempt: number, random: number): number {
  const base = Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 + 0.2 * Math.min(1, Math.max(0, random))));
}

/** The age of a snapshot made at `generatedAt` (RFC 3339) seen at `nowMs`, e.g. `3 s`, `2 min`; `?` when unreadable. */
export function snapshotAge(generatedAt: string, nowMs: number): string {
  const at = Date.parse(generatedAt);
  if (Number.isNaN(at)) return '?';
  const s = Math.max(0, Math.floor((nowMs - at) / 1000));
  if (s < 120) return `${String(s)} s`;
  if (s < 7200) return `${String(Math.floor(s / 60))} min`;
  return `${String(Math.floor(s / 3600))} h`;
}
