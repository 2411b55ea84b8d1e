/**
 * The failover state machine as the Failover view draws it: every phase at a fixed place
 * (the happy path along the top, failback along the bottom, Aborted between), the transitions
 * the reducer makes (src/controllers/failover/reducer.ts and commands.ts), and which phase is
 * current and which transitions can come next.
 * @module
 */
import type { FailoverPhase } from '../api/types.ts';

/** Every phase, in the order of FAILOVER_PHASES (src/controllers/failover/types.ts). */
export const PHASES = ['Normal', 'Degraded', 'FailoverPending', 'FailingOver', 'FailedOver', 'FailbackPending', 'FailingBack', 'Aborted'] as const satisfies readonly FailoverPhase[];
// A phase the server adds without a place here fails to compile.
type Missing = Exclude<FailoverPhase, (typeof PHASES)[number]>;
const _exhaustive: [Missing] extends [never] ? true : Missing = true;
void _exhaustive;

/** A transition of the reducer, labelled by what causes it. */
export interface Transition {
  readonly from: FailoverPhase;
  readonly to: FailoverPhase;
  readonly label: string;
}

/** Every transition the reducer makes. */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'Normal', to: 'Degraded', label: 'detect' },
  { from: 'Degraded', to: 'Normal', label: 'recover' },
  { from: 'Degraded', to: 'FailoverPending', label: 'propose' },
  { from: 'Normal', to: 'FailoverPending', label: 'propose' },
  { from: 'FailoverPending', to: 'Normal', label: 'withdraw' },
  { from: 'FailoverPending', to: 'FailingOver', label: 'approved' },
  { from: 'FailoverPending', to: 'Aborted', label: 'reject / abort' },
  { from: 'Degraded', to: 'Aborted', label: 'abort' },
  { from: 'FailingOver', to: 'FailedOver', label: 'drained' },
  { from: 'FailedOver', to: 'FailbackPending', label: 'failback' },
  { from: 'FailbackPending', to: 'FailedOver', label: 'withdraw / reject' },
  { from: 'FailbackPending', to: 'FailingBack', label: 'approved' },
  { from: 'FailingBack', to: 'Normal', label: 'drained' },
  { from: 'Aborted', to: 'Normal', label: 'resume' },
  { from: 'Aborted', to: 'FailoverPending', label: 'propose' },
];

/** Grid cell of each phase (column, row). */
const CELLS: Record<FailoverPhase, readonly [number, number]> = {
  Normal: [0, 0],
  Degraded: [1, 0],
  FailoverPending: [2, 0],
  FailingOver: [3, 0],
  Aborted: [1, 1],
  FailingBack: [0, 2],
  FailbackPending: [2, 2],
  FailedOver: [3, 2],
};

/** Node size and spacing (SVG units). */
export const NODE = { width: 132, height: 40, colGap: 50, rowGap: 44, pad: 14 } as const;

/** One drawn phase. */
export interface PhaseNode {
  readonly phase: FailoverPhase;
  readonly x: number;
  readonly y: number;
  /** A machine is in this phase now. */
  readonly current: boolean;
  /** The owners (`from` clusters) whose machine is in this phase. */
  readonly machines: readonly string[];
}

/** One drawn transition. */
export interface TransitionEdge extends Transition {
  readonly d: string;
  /** Leaves a current phase: what can happen next. */
  readonly next: boolean;
}

/** The drawing of one policy's machines. */
export interface MachineDiagram {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PhaseNode[];
  readonly edges: readonly TransitionEdge[];
}

const at = (phase: FailoverPhase): { x: number; y: number } => {
  const [c, r] = CELLS[phase];
  return { x: NODE.pad + c * (NODE.width + NODE.colGap), y: NODE.pad + r * (NODE.height + NODE.rowGap) };
};

const n1 = (v: number): string => String(Math.round(v));

function transitionPath(t: Transition): string {
  const a = at(t.from);
  const b = at(t.to);
  const ca = { x: a.x + NODE.width / 2, y: a.y + NODE.height / 2 };
  const cb = { x: b.x + NODE.width / 2, y: b.y + NODE.height / 2 };
  const dx = cb.x - ca.x;
  const dy = cb.y - ca.y;
  // Start and end on the node borders (clipped on the dominant axis), bowing left so opposite transitions do not overlap.
  const clip = (c: { x: number; y: number }, sx: number, sy: number): { x: number; y: number } => {
    const s = Math.min(sx === 0 ? Infinity : NODE.width / 2 / Math.abs(sx), sy === 0 ? Infinity : NODE.height / 2 / Math.abs(sy));
    return { x: c.x + sx * s, y: c.y + sy * s };
  };
  const p = clip(ca, dx, dy);
  const q = clip(cb, -dx, -dy);
  const len = Math.hypot(dx, dy) || 1;
  const bow = Math.abs(dy) < 1 && Math.abs(dx) > NODE.width + NODE.colGap ? 34 : 12;
  const cx = (p.x + q.x) / 2 + (dy / len) * bow;
  const cy = (p.y + q.y) / 2 - (dx / len) * bow;
  return `M ${n1(p.x)} ${n1(p.y)} Q ${n1(cx)} ${n1(cy)} ${n1(q.x)} ${n1(q.y)}`;
}

/** The diagram with the phases of `machines` (each owner's current phase) highlighted. */
export function machineDiagram(machines: readonly { readonly primary: string; readonly phase: FailoverPhase }[]): MachineDiagram {
  const current = new Set(machines.map((m) => m.phase));
  const nodes = PHASES.map((phase) => ({ phase, ...at(phase), current: current.has(phase), machines: machines.filter((m) => m.phase === phase).map((m) => m.primary).sort() }));
  const edges = TRANSITIONS.map((t) => ({ ...t, d: transitionPath(t), next: current.has(t.from) }));
  return { width: 2 * NODE.pad + 4 * NODE.width + 3 * NODE.colGap, height: 2 * NODE.pad + 3 * NODE.height + 2 * NODE.rowGap, nodes, edges };
}
