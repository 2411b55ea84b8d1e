/**
 * Audit: the timeline with filters (target, actor, action, since, until) sent to
 * `/api/v1/audit`, paged with its `next`; the chain verification; a record's details with its
 * before/after diff and evidence; and the evidence bundle exported as a downloaded JSON file.
 * @module
 */
import { ColumnHeads } from './column-heads.tsx';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorText, type Api } from '../api/client.ts';
import type { AuditRecord, ChainVerification } from '../api/types.ts';
import { diffValues } from '../model/audit-diff.ts';
import { auditQuery, exportFileName, exportQuery, NO_AUDIT_FILTER, type AuditFilter } from '../model/query.ts';

interface AuditPage {
  readonly records: readonly AuditRecord[];
  readonly truncated: boolean;
  readonly next?: number;
}

const FIELDS: readonly [keyof AuditFilter, string, string][] = [
  ['target', 'Target', 'cases/case-writes'],
  ['actor', 'Actor', 'local-approver'],
  ['action', 'Action', 'Approve'],
  ['since', 'Since', '1h or RFC 3339'],
  ['until', 'Until', 'RFC 3339'],
];

function RecordDetails({ r }: { r: AuditRecord }) {
  const diff = diffValues(r.before, r.after);
  return (
    <section className="record-details" aria-labelledby="record-heading" data-testid="record-details">
      <h3 id="record-heading">
        {r.id}: {r.action} by {r.actor}
      </h3>
      <p>
        {r.time} · target {r.target}
        {r.changeRequest === undefined ? '' : ` · change request ${r.changeRequest}`}
      </p>
      <p>Reason: {r.reason ?? '–'}</p>
      <h4>Before → after</h4>
      {diff.length === 0 ? (
        <p className="muted">No change recorded.</p>
      ) : (
        <table>
          <ColumnHeads columns={['Field', 'Before', 'After']} />
          <tbody>
            {diff.map((d) => (
              <tr key={d.path} className={`diff-${d.kind}`}>
                <th scope="row">{d.path}</th>
                <td>{d.before ?? '–'}</td>
                <td>{d.after ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details>
        <summary>Evidence and hashes</summary>
        <pre>{JSON.stringify({ evidence: r.evidence, prevHash: r.prevHash, hash: r.hash }, null, 2)}</pre>
      </details>
    </section>
  );
}

/** The Audit view. */
export function AuditView({ api }: { api: Api }) {
  const [draft, setDraft] = useState<AuditFilter>(NO_AUDIT_FILTER);
  const [filter, setFilter] = useState<AuditFilter>(NO_AUDIT_FILTER);
  const [records, setRecords] = useState<readonly AuditRecord[]>([]);
  const [next, setNext] = useState<number | undefined>();
  const [chain, setChain] = useState<ChainVerification | undefined>();
  const [selected, setSelected] = useState<AuditRecord | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [note, setNote] = useState<string | undefined>();

  const fetchPage = useCallback(
    async (after?: number) => {
      try {
        const page = await api.get<AuditPage>(auditQuery(filter, after));
        setRecords((prev) => (after === undefined ? page.records : [...prev, ...page.records]));
        setNext(page.truncated ? page.next : undefined);
        setError(undefined);
      } catch (err) {
        setError(errorText(err));
      }
    },
    [api, filter],
  );

  const refresh = useCallback(() => {
    setSelected(undefined);
    void fetchPage();
    api.get<ChainVerification>('/api/v1/audit/verify').then(setChain, (err: unknown) => setError(errorText(err)));
  }, [api, fetchPage]);

  useEffect(() => refresh(), [refresh]);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setFilter({ ...draft });
  };
  const exportBundle = async (): Promise<void> => {
    try {
      await api.download(exportQuery(filter.target), exportFileName(filter.target));
      setNote(`Saved ${exportFileName(filter.target)}.`);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit</h2>
      <p data-testid="chain" className={chain === undefined ? 'muted' : chain.ok ? 'ok' : 'error'}>
        {chain === undefined ? 'Verifying the hash chain…' : chain.ok ? `Hash chain verified: ${String(chain.count)} records intact.` : `Hash chain BROKEN at record ${String(chain.seq)}: ${chain.reason}`}
      </p>
      <form className="filters" onSubmit={submit} aria-label="Audit filters">
        {FIELDS.map(([key, label, hint]) => (
          <span key={key} className="field">
            <label htmlFor={`audit-${key}`}>{label}</label>
            <input id={`audit-${key}`} value={draft[key]} placeholder={hint} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
          </span>
        ))}
        <button type="submit">Apply filters</button>
        <button type="button" onClick={refresh}>
          Refresh
        </button>
        <button type="button" onClick={() => void exportBundle()}>
          Export evidence bundle
        </button>
      </form>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {note !== undefined && <p role="status">{note}</p>}
      <ol className="timeline" aria-label="Audit records" data-testid="audit-records">
        {records.map((r) => (
          <li key={r.id} data-action={r.action} data-actor={r.actor}>
            <button type="button" aria-pressed={selected?.id === r.id} onClick={() => setSelected(r)}>
              <span className="time">{r.time}</span> <strong>{r.action}</strong> by {r.actor} on {r.target}
              {r.reason === undefined ? '' : `: ${r.reason}`}
            </button>
          </li>
        ))}
      </ol>
      {records.length === 0 && error === undefined && <p className="muted">No records match.</p>}
      {next !== undefined && (
        <button type="button" onClick={() => void fetchPage(next)}>
          Load more
        </button>
      )}
      {selected !== undefined && <RecordDetails r={selected} />}
    </section>
  );
}
