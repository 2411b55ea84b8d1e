/**
 * How a traffic edge is drawn on the fleet map: line width by request rate (relative to the
 * busiest edge), colour by 5xx ratio, dashed and faded at 0 req/s so a drained path stays
 * visible, and its label.
 * @module
 */
import type { TrafficEdge } from '../api/types.ts';

/** The error band of an edge; each has a colour and a word, so colour is never the only cue. */
export type EdgeHealth = 'ok' | 'warn' | 'bad' | 'idle';

/** Everything the map needs to draw one edge. */
export interface EdgeStyle {
  readonly width: number;
  readonly health: EdgeHealth;
  readonly color: string;
  readonly dashed: boolean;
  readonly opacity: number;
  readonly label: string;
}

/** Line width bounds in px. */
export const MIN_WIDTH = 1.5;
/** The busiest edge's width in px. */
export const MAX_WIDTH = 9;

const COLORS: Record<EdgeHealth, string> = { ok: '#1f8a4c', warn: '#b26b00', bad: '#c62828', idle: '#8a8f98' };

/** The band of a 5xx ratio: under 1 % ok, under 5 % warn, else bad; no traffic is idle. */
export function edgeHealth(edge: Pick<TrafficEdge, 'rps' | 'errorRatio'>): EdgeHealth {
  if (!(edge.rps > 0)) return 'idle';
  if (edge.errorRatio < 0.01) return 'ok';
  return edge.errorRatio < 0.05 ? 'warn' : 'bad';
}

/** The width of an edge carrying `rps` when the busiest carries `maxRps` (square root: small flows stay visible). */
export function edgeWidth(rps: number, maxRps: number): number {
  if (!(rps > 0) || !(maxRps > 0)) return MIN_WIDTH;
  const w = MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * Math.sqrt(Math.min(1, rps / maxRps));
  return Math.round(w * 10) / 10;
}

/** `12.3 req/s · 0.4% 5xx · p99 18 ms` (p99 left out when the window had no requests). */
export function edgeLabel(edge: TrafficEdge): string {
  const rps = edge.rps >= 100 ? edge.rps.toFixed(0) : edge.rps.toFixed(1);
  const err = `${(edge.errorRatio * 100).toFixed(edge.errorRatio > 0 && edge.errorRatio < 0.001 ? 2 : 1)}% 5xx`;
  const p99 = edge.p99Ms === undefined ? '' : ` · p99 ${String(Math.round(edge.p99Ms))} ms`;
  return `${rps} req/s · ${err}${p99}`;
}

/** The style of every edge, in input order, scaled to the busiest. */
export function styleEdges(edges: readonly TrafficEdge[]): EdgeStyle[] {
  const maxRps = edges.reduce((m, e) => Math.max(m, e.rps), 0);
  return edges.map((e) => {
    const health = edgeHealth(e);
    return { width: edgeWidth(e.rps, maxRps), health, color: COLORS[health], dashed: health === 'idle', opacity: health === 'idle' ? 0.45 : 0.9, label: edgeLabel(e) };
  });
}
