/**
 * Where the fleet map puts things: regions as columns (wrapping after a few), clusters stacked
 * in their region, and each traffic edge as a curve between two cluster boxes (a loop when the
 * entry cluster answered itself). Pure geometry, so it is tested without a browser.
 * @module
 */
import type { FleetView } from '../api/types.ts';

/** A rectangle in SVG user units. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One cluster's box. */
export interface ClusterBox extends Box {
  readonly name: string;
  readonly region: string;
}

/** One region's box with its clusters. */
export interface RegionBox extends Box {
  readonly name: string;
  readonly clusters: readonly ClusterBox[];
}

/** The whole map. */
export interface FleetLayout {
  readonly width: number;
  readonly height: number;
  readonly regions: readonly RegionBox[];
  /** By cluster name. */
  readonly clusters: ReadonlyMap<string, ClusterBox>;
}

/** Layout constants (SVG units). */
export const LAYOUT = { columns: 4, regionWidth: 300, gap: 150, pad: 20, header: 34, clusterWidth: 270, clusterBase: 122, gatewayLine: 16, clusterGap: 30 } as const;

/** The height of a cluster box with `gateways` gateway lines. */
export const clusterHeight = (gateways: number): number => LAYOUT.clusterBase + LAYOUT.gatewayLine * gateways;

/** Lays out regions in rows of {@link LAYOUT.columns}, clusters top to bottom inside each. */
export function layoutFleet(fleet: FleetView): FleetLayout {
  const L = LAYOUT;
  const clusters = new Map<string, ClusterBox>();
  const regions: RegionBox[] = [];
  let rowY = L.pad;
  let rowHeight = 0;
  fleet.regions.forEach((region, i) => {
    const col = i % L.columns;
    if (col === 0 && i > 0) {
      rowY += rowHeight + L.gap;
      rowHeight = 0;
    }
    const x = L.pad + col * (L.regionWidth + L.gap);
    let y = rowY + L.header;
    const boxes: ClusterBox[] = [];
    for (const c of region.clusters) {
      const box = { name: c.name, region: region.name, x: x + (L.regionWidth - L.clusterWidth) / 2, y, width: L.clusterWidth, height: clusterHeight(c.gateways.length) };
      boxes.push(box);
      clusters.set(c.name, box);
      y += box.height + L.clusterGap;
    }
    const height = Math.max(y - rowY, L.header + L.clusterGap);
    rowHeight = Math.max(rowHeight, height);
    regions.push({ name: region.name, x, y: rowY, width: L.regionWidth, height, clusters: boxes });
  });
  const cols = Math.min(L.columns, Math.max(1, fleet.regions.length));
  return { width: 2 * L.pad + cols * L.regionWidth + (cols - 1) * L.gap, height: rowY + rowHeight + L.pad, regions, clusters };
}

/** A point. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

const center = (b: Box): Point => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });

/** Where the ray from `b`'s centre towards `toward` leaves the box. */
export function boxExit(b: Box, toward: Point): Point {
  const c = center(b);
  const dx = toward.x - c.x;
  const dy = toward.y - c.y;
  if (dx === 0 && dy === 0) return c;
  const scale = Math.min(dx === 0 ? Infinity : b.width / 2 / Math.abs(dx), dy === 0 ? Infinity : b.height / 2 / Math.abs(dy));
  return { x: c.x + dx * scale, y: c.y + dy * scale };
}

/** An edge's SVG path and where its label goes. */
export interface EdgeGeometry {
  readonly d: string;
  readonly label: Point;
}

const r = (n: number): string => String(Math.round(n * 10) / 10);

/**
 * The curve from `from` to `to`: bowed to its left, so A→B and B→A are two separate curves;
 * a loop on the box's right side when both are the same cluster.
 */
export function edgeGeometry(from: Box, to: Box): EdgeGeometry {
  if (from === to || (from.x === to.x && from.y === to.y)) {
    const x = from.x + from.width;
    const y = from.y + from.height / 2;
    return { d: `M ${r(x)} ${r(y - 14)} C ${r(x + 46)} ${r(y - 40)} ${r(x + 46)} ${r(y + 40)} ${r(x)} ${r(y + 14)}`, label: { x: x + 40, y } };
  }
  const a = boxExit(from, center(to));
  const b = boxExit(to, center(from));
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const bow = Math.min(60, len / 4);
  // Left normal of the direction a→b.
  const cx = (a.x + b.x) / 2 + (dy / len) * bow;
  const cy = (a.y + b.y) / 2 - (dx / len) * bow;
  return { d: `M ${r(a.x)} ${r(a.y)} Q ${r(cx)} ${r(cy)} ${r(b.x)} ${r(b.y)}`, label: { x: (a.x + 2 * cx + b.x) / 4, y: (a.y + 2 * cy + b.y) / 4 } };
}
