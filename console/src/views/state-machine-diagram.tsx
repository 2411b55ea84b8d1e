/**
 * The failover state machine of one policy, drawn: every phase, every transition, the current
 * phase (per owner) highlighted and the transitions that can come next emphasised.
 * @module
 */
import { useMemo } from 'react';
import type { FailoverPhase } from '../api/types.ts';
import { machineDiagram, NODE } from '../model/state-machine.ts';

/** The diagram for the machines of one policy. */
export function StateMachineDiagram({ policy, machines }: { policy: string; machines: readonly { primary: string; phase: FailoverPhase }[] }) {
  const d = useMemo(() => machineDiagram(machines), [machines]);
  const current = d.nodes.filter((n) => n.current).map((n) => `${n.phase} (${n.machines.join(', ')})`).join('; ');
  const markerId = `sm-arrow-${policy.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <svg className="state-machine" viewBox={`0 0 ${String(d.width)} ${String(d.height)}`} width={d.width} height={d.height} role="img" aria-label={`State machine of ${policy}; current phase ${current}`}>
      <defs>
        <marker id={markerId} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke" />
        </marker>
      </defs>
      {d.edges.map((e) => (
        <path key={`${e.from}-${e.to}`} d={e.d} className={e.next ? 'sm-edge sm-next' : 'sm-edge'} markerEnd={`url(#${markerId})`} data-from={e.from} data-to={e.to}>
          <title>
            {e.from} → {e.to}: {e.label}
          </title>
        </path>
      ))}
      {d.nodes.map((n) => (
        <g key={n.phase} className={n.current ? 'sm-node sm-current' : 'sm-node'} data-phase={n.phase} data-current={n.current ? 'true' : 'false'}>
          <rect x={n.x} y={n.y} width={NODE.width} height={NODE.height} rx={8} />
          <text x={n.x + NODE.width / 2} y={n.y + (n.machines.length > 0 ? 17 : 25)} textAnchor="middle">
            {n.phase}
          </text>
          {n.machines.length > 0 && (
            <text x={n.x + NODE.width / 2} y={n.y + 32} textAnchor="middle" className="sm-owner">
              {n.machines.join(', ')}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}
