/**
 * Which action buttons the console shows: those whose admin route the signed-in subject may
 * call, as `GET /api/v1/console/whoami` lists them. Hiding is a courtesy; the server checks
 * every action's role again.
 * @module
 */
import type { WhoAmI } from '../api/types.ts';

/** The actions the console offers. */
export type ActionKind = 'approve' | 'reject' | 'abort' | 'failback' | 'drain' | 'undrain' | 'weights-set' | 'weights-clear';

/** Each action's admin route pattern (POST), as the server registers it (src/runtime/failover-service.ts). */
export const ACTION_ROUTES: Readonly<Record<ActionKind, string>> = {
  approve: '/api/v1/failover/:namespace/:name/approve',
  reject: '/api/v1/failover/:namespace/:name/reject',
  abort: '/api/v1/failover/:namespace/:name/abort',
  failback: '/api/v1/failover/:namespace/:name/failback',
  drain: '/api/v1/drain/:cluster',
  undrain: '/api/v1/undrain/:cluster',
  'weights-set': '/api/v1/weights/:namespace/:name',
  'weights-clear': '/api/v1/weights/:namespace/:name/clear',
};

/** Every action, in the order buttons appear. */
export const ACTION_KINDS = Object.keys(ACTION_ROUTES) as ActionKind[];

/** The actions `who` may take (a `POST ` prefix on a listed route is accepted too). */
export function visibleActions(who: Pick<WhoAmI, 'actions'> | undefined): ReadonlySet<ActionKind> {
  if (who === undefined) return new Set();
  const allowed = new Set(who.actions.map((a) => a.replace(/^POST\s+/i, '').trim()));
  return new Set(ACTION_KINDS.filter((k) => allowed.has(ACTION_ROUTES[k])));
}

/** The concrete path of an action on its target (`ns/name` for policies and TrafficPolicies, a cluster name for drains). */
export function actionPath(kind: ActionKind, target: string): string {
  const enc = (s: string): string => encodeURIComponent(s);
  if (kind === 'drain' || kind === 'undrain') return ACTION_ROUTES[kind].replace(':cluster', enc(target));
  const [namespace = '', name = ''] = target.split('/');
  return ACTION_ROUTES[kind].replace(':namespace', enc(namespace)).replace(':name', enc(name));
}

/** Parses `jkt-prod-1=3, sgp-prod-1=1` into a weight map; an error message names the bad part. */
export function parseWeights(text: string): { weights: Record<string, number> } | { error: string } {
  const weights: Record<string, number> = {};
  const parts = text.split(/[,\n]/).map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) return { error: 'weights: give at least one cluster=weight, e.g. jkt-prod-1=3' };
  for (const part of parts) {
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\s*=\s*(\d+)$/.exec(part);
    if (m === null) return { error: `weights: "${part}" is not cluster=non-negative integer` };
    weights[m[1] as string] = Number(m[3]);
  }
  return { weights };
}
