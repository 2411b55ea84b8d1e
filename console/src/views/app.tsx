/**
 * The console's shell: sign-in, then a header (who, live state, snapshot age, sign out), the
 * view navigation (a list of buttons) and the current view. Signing out drops the session,
 * and with it the only copy of the token.
 * @module
 */
import { useMemo, useState } from 'react';
import { snapshotAge } from '../model/live.ts';
import { visibleActions } from '../model/permissions.ts';
import { AlertsView } from './alerts-view.tsx';
import { AuditView } from './audit-view.tsx';
import { FailoverView } from './failover-view.tsx';
import { FleetView } from './fleet-view.tsx';
import { ServicesView } from './services-view.tsx';
import { SignIn, type Session } from './sign-in.tsx';
import { useLive } from './use-live.ts';

/** The views, in navigation order. */
export const VIEWS = ['Fleet', 'Services', 'Failover', 'Audit', 'Alerts'] as const;
/** One view. */
export type ViewName = (typeof VIEWS)[number];

/** The whole app. */
export function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  if (session === undefined) {
    return (
      <SignIn
        {...(notice === undefined ? {} : { notice })}
        onSignedIn={(s) => {
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  return (
    <Console
      session={session}
      onSignOut={(why) => {
        setNotice(why);
        setSession(undefined);
      }}
    />
  );
}

function Console({ session, onSignOut }: { session: Session; onSignOut: (why?: string) => void }) {
  const [view, setView] = useState<ViewName>('Fleet');
  const live = useLive(session.api);
  const actions = useMemo(() => visibleActions(session.who), [session.who]);
  const { snapshot } = live;
  const activeAlerts = snapshot?.alerts.active.length ?? 0;
  const pending = snapshot?.failover.reduce((n, p) => n + p.pending.length, 0) ?? 0;
  const badge = (v: ViewName): string => (v === 'Alerts' && activeAlerts > 0 ? ` (${String(activeAlerts)})` : v === 'Failover' && pending > 0 ? ` (${String(pending)} pending)` : '');

  return (
    <>
      <header className="top">
        <span className="brand">Lintas console</span>
        <span className={`live live-${live.state}`} role="status" aria-live="polite" data-testid="live-state">
          {live.state === 'live' ? 'live' : live.state === 'unauthorized' ? 'not authorised' : live.state}
          {snapshot !== undefined && <> · snapshot {snapshotAge(snapshot.generatedAt, live.now)} old · v{snapshot.version}</>}
        </span>
        <span className="who" data-testid="who">
          {session.who.subject} ({session.who.roles.join(', ') || 'no roles'})
        </span>
        <button type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Views">
        <ul>
          {VIEWS.map((v) => (
            <li key={v}>
              <button type="button" aria-current={v === view ? 'page' : undefined} onClick={() => setView(v)}>
                {v}
                {badge(v)}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" aria-label={view}>
        {live.state === 'unauthorized' && (
          <p role="alert" className="error">
            {live.detail ?? 'The server refused the token.'}{' '}
            <button type="button" onClick={() => onSignOut(live.detail)}>
              Sign in again
            </button>
          </p>
        )}
        {snapshot === undefined && view !== 'Audit' && view !== 'Services' ? (
          <p className="muted">Waiting for the first snapshot…</p>
        ) : view === 'Fleet' && snapshot !== undefined ? (
          <FleetView snapshot={snapshot} />
        ) : view === 'Services' ? (
          <ServicesView api={session.api} clusters={snapshot?.fleet.regions.flatMap((r) => r.clusters.map((c) => c.name)) ?? []} />
        ) : view === 'Failover' && snapshot !== undefined ? (
          <FailoverView snapshot={snapshot} actions={actions} api={session.api} />
        ) : view === 'Audit' ? (
          <AuditView api={session.api} />
        ) : snapshot !== undefined ? (
          <AlertsView alerts={snapshot.alerts} now={live.now} />
        ) : null}
      </main>
    </>
  );
}
