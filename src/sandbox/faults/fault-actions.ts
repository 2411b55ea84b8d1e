/**
 * The fault API of `lintas up` (issue 7, "Faults that are real"): authenticated
 * admin actions that break the local fleet for real — stop or pause a
 * cluster's processes, make a Service's replicas fail or slow down, take a
 * dependency down, delay replication — and report which replicas changed.
 * Every fault is an audited event. Nothing here tells the router: the
 * control plane has to notice through probes, health contracts and outlier
 * detection, as it would in production.
 * @module
 */
import { dns1123Subdomain } from '../../lib/index.ts';
import { AdminApiError, type ActionContext, type ActionResult, type AdminAction, type JsonRoute } from '../../observability/index.ts';
import type { AppFault } from '../apps/index.ts';
import type { ReplicaState, ReplicaStatus, Supervisor } from '../supervisor.ts';

/** What every fault records in the audit trail. */
export interface FaultAuditEntry {
  /** e.g. `fault.cluster.down`, `fault.service`, `fault.dependency.up`, `fault.replication-lag`. */
  readonly action: string;
  /** e.g. `cluster/sgp-prod-1`, `cluster/sgp-prod-1/service/cases/public-case-api`. */
  readonly target: string;
  readonly reason: string;
  /** The admin API subject who asked. */
  readonly actor: string;
  /** What changed: the fault asked for, the replicas changed, the gateway. */
  readonly detail: FaultAuditDetail;
}

/** The evidence part of a fault's audit entry. */
export interface FaultAuditDetail {
  readonly replicas: readonly string[];
  readonly fault?: AppFault;
  readonly gateway?: GatewayChange;
}

/** What a cluster fault did to the cluster's own gateway. */
export type GatewayChange = 'stopped' | 'started' | 'partitioned' | 'healed';

/** Options of {@link faultActions}. */
export interface FaultActionsOptions {
  readonly supervisor: Supervisor;
  /** Records each fault; awaited, so a failing audit store fails the call (the fault itself has been applied). */
  readonly onAudit?: (entry: FaultAuditEntry) => void | Promise<void>;
  /** Stops (`true`) or starts (`false`) the cluster's own gateway, for `cluster down|up`. */
  readonly setGatewayDown?: (cluster: string, down: boolean) => void | Promise<void>;
  /** Makes the cluster's gateway stop answering (`true`: connections accepted, never answered) or serve again, for `partition|heal`. */
  readonly setGatewayPartitioned?: (cluster: string, partitioned: boolean) => void | Promise<void>;
  /** Clusters that exist without replicas (e.g. a gateway only); the supervisor's clusters are always known. */
  readonly clusters?: () => readonly string[];
}

/** One replica a fault changed, as the API answers it. */
export interface FaultReplicaChange {
  readonly id: string;
  readonly cluster: string;
  readonly app: string;
  readonly previousState: ReplicaState;
  readonly state: ReplicaState;
  /** The in-app fault in force after the call (`{}` when none). */
  readonly fault: AppFault;
}

/** The body every fault action answers with. */
export interface FaultResult {
  readonly action: string;
  readonly target: string;
  readonly cluster: string;
  readonly replicas: readonly FaultReplicaChange[];
  readonly gateway?: GatewayChange;
  /** The in-app fault that was asked for (service, dependency, replication lag). */
  readonly fault?: AppFault;
}

/** What `GET /api/v1/faults` answers. */
export interface FaultsView {
  readonly replicas: readonly Pick<ReplicaStatus, 'id' | 'cluster' | 'app' | 'state' | 'ready' | 'fault'>[];
}

/** The actions of `POST /api/v1/faults/cluster/:cluster/:action`. */
export const CLUSTER_FAULTS = ['down', 'up', 'partition', 'heal'] as const;
/** A cluster fault action. */
export type ClusterFault = (typeof CLUSTER_FAULTS)[number];

/** Apps whose replicas send changes to other clusters, so a replication-lag fault means something to them. */
const REPLICATING_APPS: ReadonlySet<string> = new Set(['case-api']);
/** Upper bounds that keep a typo from freezing the demo for days. */
const MAX_LATENCY_MS = 600_000;
const MAX_LAG_MS = 3_600_000;

function badRequest(message: string): AdminApiError {
  return new AdminApiError(400, 'bad_request', message);
}

function stringField(body: Readonly<Record<string, unknown>>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`"${field}" is required (a string)`);
  return value.trim();
}

function numberField(body: Readonly<Record<string, unknown>>, field: string, min: number, max: number, integer: boolean): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw badRequest(`"${field}" must be ${integer ? 'a whole number' : 'a number'} from ${String(min)} to ${String(max)}`);
  }
  return value;
}

/** The fault actions of `lintas up`'s admin API (role operator; every call needs a reason). */
export function faultActions(options: FaultActionsOptions): Record<string, AdminAction> {
  const { supervisor } = options;
  // One fault at a time: `down` then `up` sent back to back must not interleave their process work.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = (handler: (ctx: ActionContext) => Promise<ActionResult>): AdminAction => ({
    role: 'operator',
    handler: (ctx) => {
      const run = queue.then(() => handler(ctx));
      queue = run.catch(() => undefined);
      return run;
    },
  });

  const knownClusters = (): string[] => [...new Set([...supervisor.status().map((s) => s.cluster), ...(options.clusters?.() ?? [])])].sort();
  const requireCluster = (cluster: string): void => {
    const known = knownClusters();
    if (!known.includes(cluster)) throw new AdminApiError(404, 'unknown_cluster', `no cluster "${cluster}" in this fleet (clusters: ${known.join(', ') || 'none'})`);
  };

  /** Runs `change`, then reports the replicas of `cluster` whose state or fault it changed (or that `touched` names). */
  const changing = async (cluster: string, change: () => Promise<readonly string[] | undefined>): Promise<FaultReplicaChange[]> => {
    const before = new Map(supervisor.status().map((s) => [s.id, s]));
    const touched = new Set((await change()) ?? []);
    return supervisor
      .status()
      .filter((s) => s.cluster === cluster)
      .flatMap((s) => {
        const was = before.get(s.id);
        const changed = touched.has(s.id) || was === undefined || was.state !== s.state || JSON.stringify(was.fault) !== JSON.stringify(s.fault);
        return changed ? [{ id: s.id, cluster: s.cluster, app: s.app, previousState: was?.state ?? s.state, state: s.state, fault: s.fault }] : [];
      });
  };

  const finish = async (ctx: ActionContext, result: FaultResult): Promise<ActionResult> => {
    const detail: FaultAuditDetail = {
      replicas: result.replicas.map((r) => r.id),
      ...(result.fault !== undefined ? { fault: result.fault } : {}),
      ...(result.gateway !== undefined ? { gateway: result.gateway } : {}),
    };
    await options.onAudit?.({ action: result.action, target: result.target, reason: ctx.reason, actor: ctx.principal.subject, detail });
    return { body: result };
  };

  /** Applies an in-app fault to the replicas `match` selects in `cluster`; 404 (`what`) when none match. */
  const inApp = async (ctx: ActionContext, action: string, target: string, cluster: string, fault: AppFault, match: (r: { namespace: string; service: string; app: string }) => boolean, what: string): Promise<ActionResult> => {
    requireCluster(cluster);
    const replicas = await changing(cluster, () => {
      const ids: string[] = [];
      supervisor.fault((r) => {
        const hit = r.cluster === cluster && match(r);
        if (hit) ids.push(r.id);
        return hit;
      }, fault);
      return Promise.resolve(ids);
    });
    if (replicas.length === 0) throw new AdminApiError(404, 'no_replicas', `${what} in cluster ${cluster}`);
    return finish(ctx, { action, target, cluster, replicas, fault });
  };

  return {
    '/api/v1/faults/cluster/:cluster/:action': serialized(async (ctx) => {
      const cluster = ctx.params['cluster'] ?? '';
      const action = ctx.params['action'] ?? '';
      if (!(CLUSTER_FAULTS as readonly string[]).includes(action)) throw badRequest(`unknown cluster fault "${action}" (expected ${CLUSTER_FAULTS.join(', ')})`);
      requireCluster(cluster);
      let gateway: GatewayChange | undefined;
      const replicas = await changing(cluster, async () => {
        switch (action as ClusterFault) {
          case 'down':
            // Gateway and apps together, as a lost region goes: neither may keep serving while the other stops.
            await Promise.all([
              options.setGatewayDown?.(cluster, true),
              supervisor.clusterDown(cluster),
            ]);
            if (options.setGatewayDown) gateway = 'stopped';
            break;
          case 'up':
            await supervisor.clusterUp(cluster);
            if (options.setGatewayDown) {
              await options.setGatewayDown(cluster, false);
              gateway = 'started';
            }
            break;
          case 'partition':
            // The gateway too: a partitioned region's clients time out instead of being refused.
            supervisor.partition(cluster);
            if (options.setGatewayPartitioned) {
              await options.setGatewayPartitioned(cluster, true);
              gateway = 'partitioned';
            }
            break;
          case 'heal':
            supervisor.heal(cluster);
            if (options.setGatewayPartitioned) {
              await options.setGatewayPartitioned(cluster, false);
              gateway = 'healed';
            }
            break;
        }
        return undefined;
      });
      return finish(ctx, { action: `fault.cluster.${action}`, target: `cluster/${cluster}`, cluster, replicas, ...(gateway !== undefined ? { gateway } : {}) });
    }),

    '/api/v1/faults/service/:namespace/:name': serialized((ctx) => {
      const ns = ctx.params['namespace'] ?? '';
      const name = ctx.params['name'] ?? '';
      const cluster = stringField(ctx.body, 'cluster');
      const errorRate = numberField(ctx.body, 'errorRate', 0, 1, false);
      const latencyMs = numberField(ctx.body, 'latencyMs', 0, MAX_LATENCY_MS, true);
      if (errorRate === undefined && latencyMs === undefined) throw badRequest('give "errorRate" (0..1) and/or "latencyMs" (0 clears)');
      const fault: AppFault = { ...(errorRate !== undefined ? { errorRate } : {}), ...(latencyMs !== undefined ? { latencyMs } : {}) };
      return inApp(ctx, 'fault.service', `cluster/${cluster}/service/${ns}/${name}`, cluster, fault, (r) => r.namespace === ns && r.service === name, `no replicas of Service ${ns}/${name}`);
    }),

    '/api/v1/faults/dependency/:name': serialized((ctx) => {
      const name = ctx.params['name'] ?? '';
      const problem = dns1123Subdomain(name);
      if (problem !== undefined) throw badRequest(`dependency name "${name}": ${problem}`);
      const cluster = stringField(ctx.body, 'cluster');
      const down = ctx.body['down'];
      if (typeof down !== 'boolean') throw badRequest('"down" is required (true takes the dependency down, false brings it back)');
      // The demo apps have one backing store each (`/dependencies/db`): every replica of the cluster loses it.
      return inApp(ctx, `fault.dependency.${down ? 'down' : 'up'}`, `cluster/${cluster}/dependency/${name}`, cluster, { dependencyDown: down }, () => true, 'no replicas');
    }),

    '/api/v1/faults/replication-lag': serialized((ctx) => {
      const cluster = stringField(ctx.body, 'cluster');
      const lagMs = numberField(ctx.body, 'lagMs', 0, MAX_LAG_MS, true);
      if (lagMs === undefined) throw badRequest('"lagMs" is required (0 restores the normal lag)');
      return inApp(ctx, 'fault.replication-lag', `cluster/${cluster}/replication`, cluster, { replicationLagMs: lagMs }, (r) => REPLICATING_APPS.has(r.app), `no replicas that replicate to other clusters (${[...REPLICATING_APPS].join(', ')})`);
    }),
  };
}

/** `GET /api/v1/faults`: every replica's state, readiness and in-app fault. */
export function faultRoutes(options: Pick<FaultActionsOptions, 'supervisor'>): Record<string, JsonRoute> {
  return {
    '/api/v1/faults': (): FaultsView => ({
      replicas: options.supervisor.status().map((s) => ({ id: s.id, cluster: s.cluster, app: s.app, state: s.state, ready: s.ready, fault: s.fault })),
    }),
  };
}
