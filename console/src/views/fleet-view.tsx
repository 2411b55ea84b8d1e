/**
 * The fleet map: regions → clusters → gateways, each cluster with its four health layers,
 * drained state and data-plane status, and the live traffic edges between clusters (width by
 * req/s, colour by 5xx ratio, dashed when drained to 0). Tables below say the same in text.
 * @module
 */
import { ColumnHeads } from './column-heads.tsx';
import { useMemo } from 'react';
import type { ClusterView, ConsoleSnapshot, LayerState, TrafficEdge } from '../api/types.ts';
import { styleEdges, type EdgeStyle } from '../model/edges.ts';
import { edgeGeometry, layoutFleet, LAYOUT, type ClusterBox } from '../model/fleet-layout.ts';

const LAYERS = ['ready', 'regional', 'failover', 'business'] as const;
const MARK: Record<LayerState, string> = { ok: '✓', failing: '✗', unknown: '?' };

/** The data-plane status in words: acked version, nacked with the error, or none yet. */
export function dataPlaneText(c: ClusterView): string {
  const dp = c.dataplane;
  if (dp === undefined) return 'data plane: none';
  return dp.state === 'acked' ? `data plane: acked ${String(dp.version)}` : `data plane: NACKED ${String(dp.version)}${dp.error === undefined ? '' : ` (${dp.error})`}`;
}

function ClusterNode({ c, box, local }: { c: ClusterView; box: ClusterBox; local?: EdgeStyle | undefined }) {
  const badgeW = (box.width - 20) / 4;
  return (
    <g data-cluster={c.name} data-drained={c.drained ? 'true' : 'false'} className={c.drained ? 'cluster drained' : 'cluster'}>
      <rect x={box.x} y={box.y} width={box.width} height={box.height} rx={8} className="cluster-box" />
      <text x={box.x + 10} y={box.y + 20} className="cluster-name">
        {c.name}
      </text>
      {c.drained && (
        <text x={box.x + box.width - 10} y={box.y + 20} textAnchor="end" className="drained-tag">
          DRAINED
        </text>
      )}
      {LAYERS.map((layer, i) => {
        const state = c.layers[layer];
        const x = box.x + 10 + i * badgeW;
        return (
          <g key={layer} className={`badge badge-${state}`} data-layer={layer} data-state={state}>
            <rect x={x} y={box.y + 30} width={badgeW - 4} height={20} rx={4} />
            <text x={x + (badgeW - 4) / 2} y={box.y + 44} textAnchor="middle">
              {MARK[state]} {layer}
            </text>
          </g>
        );
      })}
      <text x={box.x + 10} y={box.y + 70} className={c.dataplane?.state === 'nacked' ? 'dp dp-nacked' : 'dp'}>
        {dataPlaneText(c)}
      </text>
      <text x={box.x + 10} y={box.y + 88} className="muted-svg">
        {c.exports} exports · {c.imports} imports
      </text>
      <text x={box.x + 10} y={box.y + 106} className={local === undefined || local.health === 'idle' ? 'muted-svg' : 'local-traffic'}>
        local: {local === undefined ? 'no traffic' : local.label}
      </text>
      {c.gateways.map((g, i) => (
        <text key={g.name} x={box.x + 10} y={box.y + LAYOUT.clusterBase + i * LAYOUT.gatewayLine} className="gateway">
          {g.programmed ? '●' : '○'} {g.name}
          {g.address === undefined ? '' : ` ${g.address}`}
        </text>
      ))}
    </g>
  );
}

const edgeKey = (e: TrafficEdge): string => `${e.entry}→${e.destination}`;

/** The Fleet view. */
export function FleetView({ snapshot }: { snapshot: ConsoleSnapshot }) {
  const { fleet, traffic } = snapshot;
  const layout = useMemo(() => layoutFleet(fleet), [fleet]);
  const byName = useMemo(() => new Map(fleet.regions.flatMap((r) => r.clusters.map((c) => [c.name, c] as const))), [fleet]);
  const styles = useMemo(() => styleEdges(traffic.edges), [traffic.edges]);
  const clusterCount = byName.size;

  return (
    <section aria-labelledby="fleet-heading">
      <h2 id="fleet-heading">
        Fleet: {fleet.regions.length} regions, {clusterCount} clusters
      </h2>
      <div className="map-scroll" tabIndex={0} role="region" aria-label="Fleet map (scrolls)">
        <svg className="fleet-map" viewBox={`0 0 ${String(layout.width + LAYOUT.gap)} ${String(layout.height)}`} width={layout.width + LAYOUT.gap} height={layout.height} role="img" aria-labelledby="fleet-map-title">
          <title id="fleet-map-title">Fleet map: regions, clusters with their health layers, and traffic between clusters over the last {Math.round(traffic.windowSeconds)} s</title>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="12" markerHeight="12" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke" />
            </marker>
          </defs>
          {layout.regions.map((r) => (
            <g key={r.name} data-region={r.name}>
              <rect x={r.x} y={r.y} width={r.width} height={r.height} rx={12} className="region-box" />
              <text x={r.x + 12} y={r.y + 22} className="region-name">
                {r.name === '' ? '(no region)' : r.name}
              </text>
            </g>
          ))}
          {layout.regions.flatMap((r) => r.clusters.map((box) => {
            const c = byName.get(box.name);
            const i = traffic.edges.findIndex((e) => e.entry === box.name && e.destination === box.name);
            return c === undefined ? null : <ClusterNode key={box.name} c={c} box={box} local={i < 0 ? undefined : styles[i]} />;
          }))}
          {traffic.edges.map((e, i) => {
            const from = layout.clusters.get(e.entry);
            const to = layout.clusters.get(e.destination);
            const s = styles[i];
            if (from === undefined || to === undefined || s === undefined) return null;
            const g = edgeGeometry(from, to);
            return (
              <g key={edgeKey(e)} className={`edge edge-${s.health}`} data-edge={edgeKey(e)} data-rps={e.rps} data-health={s.health}>
                <path d={g.d} fill="none" stroke={s.color} strokeWidth={s.width} strokeOpacity={s.opacity} strokeDasharray={s.dashed ? '6 5' : undefined} markerEnd="url(#arrow)" />
                {e.entry !== e.destination && (
                  <text x={g.label.x} y={g.label.y} textAnchor="middle" className="edge-label">
                    {s.label.split(' · ').map((part, k) => (
                      <tspan key={part} x={g.label.x} dy={k === 0 ? 0 : 13}>
                        {part}
                      </tspan>
                    ))}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      </div>

      <h3 id="traffic-heading">Traffic (last {Math.round(traffic.windowSeconds)} s)</h3>
      {traffic.edges.length === 0 ? (
        <p className="muted">No traffic through the gateways in the window.</p>
      ) : (
        <table aria-labelledby="traffic-heading" data-testid="traffic-table">
          <ColumnHeads columns={['Entry → destination', 'req/s', '5xx', 'p99', 'Requests']} />
          <tbody>
            {traffic.edges.map((e, i) => (
              <tr key={edgeKey(e)} data-edge={edgeKey(e)} className={styles[i]?.health === 'idle' ? 'idle' : undefined}>
                <th scope="row">{edgeKey(e)}</th>
                <td>{e.rps.toFixed(1)}</td>
                <td>{(e.errorRatio * 100).toFixed(1)}%</td>
                <td>{e.p99Ms === undefined ? '–' : `${String(Math.round(e.p99Ms))} ms`}</td>
                <td>{e.requests}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3 id="clusters-heading">Clusters</h3>
      <table aria-labelledby="clusters-heading">
        <thead>
          <tr>
            <th scope="col">Cluster</th>
            <th scope="col">Region</th>
            {LAYERS.map((l) => (
              <th key={l} scope="col">
                {l}
              </th>
            ))}
            <th scope="col">Drained</th>
            <th scope="col">Data plane</th>
            <th scope="col">Failing checks</th>
          </tr>
        </thead>
        <tbody>
          {[...byName.values()].map((c) => (
            <tr key={c.name} data-cluster-row={c.name}>
              <th scope="row">{c.name}</th>
              <td>{c.region}</td>
              {LAYERS.map((l) => (
                <td key={l} className={`state-${c.layers[l]}`}>
                  {MARK[c.layers[l]]} {c.layers[l]}
                </td>
              ))}
              <td>{c.drained ? 'drained' : 'no'}</td>
              <td>{dataPlaneText(c).replace('data plane: ', '')}</td>
              <td>{c.failing.length === 0 ? '–' : c.failing.map((f) => `${f.service} ${f.layer}: ${f.check.name}${f.check.detail === undefined ? '' : ` (${f.check.detail})`}`).join('; ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
