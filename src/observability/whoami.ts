/**
 * `GET …/whoami`: who a bearer token belongs to, its roles, and which actions (POST route
 * patterns) it may call, so a UI shows only the buttons that can work. It decides nothing:
 * every action checks its role again on the server.
 * @module
 */
import type { AdminAction, RawRoute } from './admin-server.ts';
import { hasRole, type Role } from './auth.ts';

/** The answer of {@link whoamiRoute}. */
export interface WhoAmIAnswer {
  readonly subject: string;
  readonly roles: readonly Role[];
  /** Route patterns of the POST actions this subject's roles allow, sorted. */
  readonly actions: readonly string[];
}

/** A raw GET route (role viewer) answering {@link WhoAmIAnswer} from the admin server's own `actions`. */
export function whoamiRoute(actions: Readonly<Record<string, AdminAction>>): RawRoute {
  return {
    method: 'GET',
    role: () => 'viewer',
    handle({ res, principal }) {
      const allowed = Object.entries(actions)
        .filter(([, action]) => hasRole(principal, action.role))
        .map(([pattern]) => pattern)
        .sort();
      const body: WhoAmIAnswer = { subject: principal.subject, roles: [...principal.roles].sort(), actions: allowed };
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    },
  };
}
