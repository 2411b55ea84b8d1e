/**
 * Alerts: the ones that hold now (with how long) and the recent ones, from the snapshot.
 * @module
 */
import { ColumnHeads } from './column-heads.tsx';
import type { ConsoleSnapshot } from '../api/types.ts';
import { snapshotAge } from '../model/live.ts';

/** The Alerts view. */
export function AlertsView({ alerts, now }: { alerts: ConsoleSnapshot['alerts']; now: number }) {
  return (
    <section aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alerts</h2>
      <h3 id="active-heading">Active ({alerts.active.length})</h3>
      {alerts.active.length === 0 ? (
        <p className="muted">No alert holds now.</p>
      ) : (
        <table aria-labelledby="active-heading" data-testid="active-alerts">
          <ColumnHeads columns={['Alert', 'Severity', 'Cluster', 'For', 'Message']} />
          <tbody>
            {alerts.active.map((a) => (
              <tr key={`${a.alert}-${a.cluster}-${a.message}`} className={`sev-${a.severity}`}>
                <th scope="row">{a.alert}</th>
                <td>{a.severity}</td>
                <td>{a.cluster}</td>
                <td>{snapshotAge(a.since, now)}</td>
                <td>{a.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3 id="recent-heading">Recent ({alerts.recent.length})</h3>
      {alerts.recent.length === 0 ? (
        <p className="muted">None fired recently.</p>
      ) : (
        <table aria-labelledby="recent-heading">
          <ColumnHeads columns={['At', 'Alert', 'Severity', 'Cluster', 'Message']} />
          <tbody>
            {[...alerts.recent].reverse().map((a, i) => (
              <tr key={`${a.at}-${String(i)}`}>
                <td>{a.at}</td>
                <th scope="row">{a.alert}</th>
                <td>{a.severity}</td>
                <td>{a.cluster}</td>
                <td>{a.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
