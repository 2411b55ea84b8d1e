/**
 * Failover: per FailoverPolicy, its state machine with the current phase highlighted, the
 * fencing epoch, the owner map, guardrail evidence (blocking checks), pending approvals and
 * the data planes a drain still waits for; then the operator actions the subject may take:
 * approve, reject, abort, failback, drain/undrain a cluster, weights set/clear.
 * @module
 */
import { ColumnHeads } from './column-heads.tsx';
import { useState } from 'react';
import type { Api } from '../api/client.ts';
import type { ConsoleSnapshot, PolicyStatus } from '../api/types.ts';
import type { ActionKind } from '../model/permissions.ts';
import { ActionButton, Outcome } from './action-form.tsx';
import { StateMachineDiagram } from './state-machine-diagram.tsx';

const show = (v: unknown): string => (v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function PolicyCard({ p, actions, api }: { p: PolicyStatus; actions: ReadonlySet<ActionKind>; api: Api }) {
  const phases = new Set(p.machines.map((m) => m.phase));
  const can = (k: ActionKind, when: boolean): boolean => when && actions.has(k);
  const buttons: [ActionKind, string][] = [];
  if (can('approve', p.pending.length > 0)) buttons.push(['approve', 'Approve']);
  if (can('reject', p.pending.length > 0)) buttons.push(['reject', 'Reject']);
  if (can('abort', phases.has('Degraded') || phases.has('FailoverPending') || phases.has('FailbackPending'))) buttons.push(['abort', 'Abort']);
  if (can('failback', phases.has('FailedOver'))) buttons.push(['failback', 'Propose failback']);
  const headingId = `policy-${p.namespace}-${p.name}`;
  const [outcome, setOutcome] = useState<string | undefined>();
  return (
    <article className="policy" aria-labelledby={headingId} data-policy={p.policy} data-state={p.state} data-epoch={p.epoch}>
      <h3 id={headingId}>
        {p.policy} <span className={`phase phase-${p.state}`}>{p.state}</span>
      </h3>
      <p>
        Governs TrafficPolicy <strong>{p.trafficPolicy}</strong> · mode {p.mode} · failback {p.failbackMode} · <span data-testid="epoch">epoch {p.epoch}</span>
      </p>
      <StateMachineDiagram policy={p.policy} machines={p.machines} />
      <h4>Owners</h4>
      <table>
        <ColumnHeads columns={['Owner (from)', 'Owns now', 'Phase', 'Since', 'Next deadline']} />
        <tbody>
          {p.machines.map((m) => (
            <tr key={m.primary}>
              <th scope="row">{m.primary}</th>
              <td>{p.owner[m.primary] ?? m.owner}</td>
              <td>{m.phase}</td>
              <td>{m.phaseSince}</td>
              <td>{m.nextDeadline ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.awaitingDataPlanes !== undefined && p.awaitingDataPlanes.length > 0 && <p className="warn">Drain waits for data planes: {p.awaitingDataPlanes.join(', ')}</p>}
      <h4>Pending approvals</h4>
      {p.pending.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul data-testid="pending">
          {p.pending.map((x) => (
            <li key={`${x.primary}-${x.at}`} className="proposal">
              {x.direction} of {x.primary}&apos;s domain to <strong>{x.target}</strong>, proposed by {x.proposer} at {x.at}: {x.reason} —{' '}
              <strong>
                {x.approvals.length}/{x.approvalsRequired} approvals
              </strong>
              {x.approvals.length > 0 && <> ({x.approvals.map((a) => `${a.by}: ${a.reason}`).join('; ')})</>}
            </li>
          ))}
        </ul>
      )}
      <h4>Guardrails</h4>
      {p.blocking.length === 0 ? (
        <p className="muted">No guardrail blocks.</p>
      ) : (
        <table data-testid="blocking">
          <ColumnHeads columns={['Check', 'Destination', 'Observed', 'Threshold', 'Message']} />
          <tbody>
            {p.blocking.map((b) => (
              <tr key={`${b.primary}-${b.cluster}-${b.check}`}>
                <th scope="row">{b.check}</th>
                <td>{b.cluster}</td>
                <td>{show(b.observed)}</td>
                <td>{show(b.threshold)}</td>
                <td>{b.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {buttons.length > 0 && (
        <div className="actions" role="group" aria-label={`Actions on ${p.policy}`}>
          {buttons.map(([kind, label]) => (
            <ActionButton key={kind} api={api} kind={kind} target={p.policy} label={label} onDone={setOutcome} />
          ))}
        </div>
      )}
      <Outcome text={outcome} />
    </article>
  );
}

/** The Failover view. */
export function FailoverView({ snapshot, actions, api }: { snapshot: ConsoleSnapshot; actions: ReadonlySet<ActionKind>; api: Api }) {
  const clusters = snapshot.fleet.regions.flatMap((r) => r.clusters);
  const trafficPolicies = [...new Set(snapshot.failover.map((p) => p.trafficPolicy))].sort();
  const drainable = actions.has('drain') || actions.has('undrain');
  const weighable = actions.has('weights-set') || actions.has('weights-clear');
  const [outcome, setOutcome] = useState<string | undefined>();
  return (
    <section aria-labelledby="failover-heading">
      <h2 id="failover-heading">Failover</h2>
      {snapshot.failover.length === 0 && <p className="muted">No FailoverPolicies are governed by this server.</p>}
      {snapshot.failover.map((p) => (
        <PolicyCard key={p.policy} p={p} actions={actions} api={api} />
      ))}
      <Outcome text={outcome} />
      {drainable && (
        <section aria-labelledby="drain-heading">
          <h3 id="drain-heading">Drain clusters</h3>
          <ul className="plain">
            {clusters.map((c) => (
              <li key={c.name}>
                <strong>{c.name}</strong> {c.drained ? '(drained)' : ''}
                {c.drained ? actions.has('undrain') && <ActionButton api={api} kind="undrain" target={c.name} label="Undrain" onDone={setOutcome} /> : actions.has('drain') && <ActionButton api={api} kind="drain" target={c.name} label="Drain" onDone={setOutcome} />}
              </li>
            ))}
          </ul>
        </section>
      )}
      {weighable && trafficPolicies.length > 0 && (
        <section aria-labelledby="weights-heading">
          <h3 id="weights-heading">Weight overrides</h3>
          <ul className="plain">
            {trafficPolicies.map((tp) => (
              <li key={tp}>
                <strong>{tp}</strong>
                {actions.has('weights-set') && <ActionButton api={api} kind="weights-set" target={tp} label="Set weights" onDone={setOutcome} />}
                {actions.has('weights-clear') && <ActionButton api={api} kind="weights-clear" target={tp} label="Clear weights" onDone={setOutcome} />}
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
