/**
 * Services: every ServiceImport, filtered and paged by the server (`/api/v1/console/services`),
 * drawn as a virtualised list so a fleet of thousands stays responsive. A row expands to its
 * endpoints per source cluster, its TrafficPolicy mode and owner map. The route "why" form
 * sits below.
 * @module
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText, type Api } from '../api/client.ts';
import type { ServiceRow, ServicesPage } from '../api/types.ts';
import { pagesFor, servicesQuery, SERVICES_PAGE } from '../model/query.ts';
import { ExplainForm } from './explain-form.tsx';

/** The debounce of the filter inputs. */
const DEBOUNCE_MS = 250;

function ServiceDetails({ row }: { row: ServiceRow }) {
  return (
    <div className="service-details">
      {row.trafficPolicy === undefined ? (
        <p>No TrafficPolicy governs it.</p>
      ) : (
        <p>
          TrafficPolicy <strong>{row.trafficPolicy.name}</strong>, mode <strong>{row.trafficPolicy.mode}</strong>; owners:{' '}
          {Object.entries(row.trafficPolicy.owners).map(([from, to]) => `${from} → ${to}`).join(', ') || 'none'}
        </p>
      )}
      <p>Imported by: {row.importedBy.join(', ') || 'none'}</p>
      {row.sources.map((s) => (
        <div key={s.cluster}>
          <h4>From {s.cluster}</h4>
          <ul className="endpoints">
            {s.endpoints.map((ep) => (
              <li key={`${ep.address}:${String(ep.port ?? '')}`} className={ep.ready && ep.gateway === undefined ? 'ep-ok' : 'ep-bad'}>
                {ep.address}
                {ep.port === undefined ? '' : `:${String(ep.port)}`} — {ep.ready ? 'ready' : 'not ready'}
                {ep.gateway === undefined ? '' : `, ${ep.gateway}`}
              </li>
            ))}
            {s.endpoints.length === 0 && <li className="ep-bad">no endpoints</li>}
          </ul>
        </div>
      ))}
    </div>
  );
}

/** The Services view. */
export function ServicesView({ api, clusters }: { api: Api; clusters: readonly string[] }) {
  const [q, setQ] = useState('');
  const [cluster, setCluster] = useState('');
  const [filter, setFilter] = useState({ q: '', cluster: '' });
  const [total, setTotal] = useState<number | undefined>();
  const [rows, setRows] = useState<ReadonlyMap<number, ServiceRow>>(new Map());
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | undefined>();
  const requested = useRef(new Set<number>());
  const generation = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const t = setTimeout(() => setFilter({ q, cluster }), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [q, cluster]);

  const load = useCallback(
    async (offset: number, gen: number) => {
      if (requested.current.has(offset)) return;
      requested.current.add(offset);
      try {
        const page = await api.get<ServicesPage>(servicesQuery(filter, offset, SERVICES_PAGE));
        if (gen !== generation.current) return;
        setTotal(page.total);
        setRows((prev) => {
          const next = new Map(prev);
          page.rows.forEach((r, i) => next.set(page.offset + i, r));
          return next;
        });
        setError(undefined);
      } catch (err) {
        requested.current.delete(offset);
        if (gen === generation.current) setError(errorText(err));
      }
    },
    [api, filter],
  );

  // A new filter starts over from the first page.
  useEffect(() => {
    generation.current += 1;
    requested.current = new Set();
    setRows(new Map());
    setTotal(undefined);
    void load(0, generation.current);
  }, [load]);

  const virtualizer = useVirtualizer({ count: total ?? 0, getScrollElement: () => scroller.current, estimateSize: () => 44, overscan: 8 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    for (const offset of pagesFor(first, last)) void load(offset, generation.current);
  }, [first, last, load]);

  const toggle = (name: string): void =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (!next.delete(name)) next.add(name);
      return next;
    });

  return (
    <section aria-labelledby="services-heading">
      <h2 id="services-heading">Services{total === undefined ? '' : ` (${String(total)})`}</h2>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="svc-q">Filter by namespace/name</label>
        <input id="svc-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="e.g. cases/" />
        <label htmlFor="svc-cluster">Cluster</label>
        <select id="svc-cluster" value={cluster} onChange={(e) => setCluster(e.target.value)}>
          <option value="">all clusters</option>
          {clusters.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </form>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div ref={scroller} className="virtual-scroll" tabIndex={0} aria-label="Service list" data-testid="services-list">
        <ul style={{ height: virtualizer.getTotalSize() }} className="virtual-inner">
          {items.map((item) => {
            const row = rows.get(item.index);
            return (
              <li key={item.key} data-index={item.index} ref={virtualizer.measureElement} className="virtual-row" style={{ transform: `translateY(${String(item.start)}px)` }}>
                {row === undefined ? (
                  <span className="muted">loading…</span>
                ) : (
                  <>
                    <button type="button" className="row-toggle" aria-expanded={open.has(row.service)} onClick={() => toggle(row.service)} data-service={row.service}>
                      <strong>{row.service}</strong> · {row.type} · {row.ports.join(', ')} · {row.sources.length} source cluster(s)
                      {row.trafficPolicy === undefined ? '' : ` · ${row.trafficPolicy.mode}`}
                    </button>
                    {open.has(row.service) && <ServiceDetails row={row} />}
                  </>
                )}
              </li>
            );
          })}
        </ul>
      </div>
      <ExplainForm api={api} clusters={clusters} />
    </section>
  );
}
