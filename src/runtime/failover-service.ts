/**
 * The failover runner as `lintas serve` runs it, with its admin API (issue 6):
 * failover status and commands, cluster drains, weight overrides, audit
 * queries, the evidence export and alerts. Every mutating call needs a token, a role and a `reason`
 * (the admin server checks those); what the reducer refuses is answered 409
 * with its reason (403 for self-approval), and the refusal is audited too.
 * @module
 */
import { Gauge, type Registry } from 'prom-client';
import type { Cluster, FailoverPolicy, FleetSnapshot, TrafficPolicy } from '../api/index.ts';
import {
  evidenceBundle,
  FailoverRunnerError,
  startFailoverController,
  type FailoverRunner,
  type FailoverRunnerOptions,
  type HealthReport,
  type ClusterWeightMap,
  type OperatorCommand,
  type OwnershipState,
  type WeightChange,
} from '../controllers/index.ts';
import { dns1123Label, parseGatewayDuration } from '../lib/index.ts';
import { AdminApiError, type ActionContext, type AdminAction, type ProtectedRoute, type Role } from '../observability/index.ts';
import { StoreError, type AuditQuery } from '../store/index.ts';

/** The failover verbs of the API and CLI, with the command and role each needs. */
export const FAILOVER_VERBS = {
  propose: { type: 'Propose', role: 'operator' },
  approve: { type: 'Approve', role: 'approver' },
  reject: { type: 'Reject', role: 'approver' },
  execute: { type: 'Execute', role: 'operator' },
  abort: { type: 'Abort', role: 'operator' },
  failback: { type: 'Failback', role: 'operator' },
} as const satisfies Record<string, { type: OperatorCommand['type']; role: Role }>;
/** One failover verb. */
export type FailoverVerb = keyof typeof FAILOVER_VERBS;

/** Options of {@link startFailoverRunner}: the controller's own, plus where its gauges go. */
export interface FailoverServiceOptions extends FailoverRunnerOptions {
  /** Where the failover gauges go (alerts, epoch, phase, drained clusters, weight overrides), read at scrape time. */
  readonly registry?: Registry;
}

/** The running failover runner and the admin routes that expose it. */
export interface FailoverService {
  /** POST routes for the admin server's `actions`. */
  readonly actions: Record<string, AdminAction>;
  /** GET routes for the admin server's `protectedRoutes` (role viewer). */
  readonly protectedRoutes: Record<string, ProtectedRoute>;
  /** Feed every health-contract report here. */
  onHealth(report: HealthReport): void;
  ownership(): Record<string, OwnershipState>;
  drained(): string[];
  /** The weights of every override in force, by TrafficPolicy `ns/name` (what the gateway routes by). */
  weights(): Record<string, ClusterWeightMap>;
  /** Registers the failover gauges on `registry` (once per registry), when it was not given at start. */
  registerMetrics(registry: Registry): void;
  readonly runner: FailoverRunner;
  /** Stops the runner (the store stays open: its owner closes it). */
  close(): Promise<void>;
}

const DEFAULT_AUDIT_LIMIT = 1000;
const MAX_AUDIT_LIMIT = 10_000;

const snake = (code: string): string => code.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/** The HTTP answer to a runner or store failure (anything else is a bug: 500). */
function apiError(error: unknown): unknown {
  if (error instanceof FailoverRunnerError) {
    switch (error.code) {
      case 'FAILOVER_NOT_FOUND':
        return new AdminApiError(404, 'not_found', error.message);
      case 'FAILOVER_INVALID':
        return new AdminApiError(400, 'bad_request', error.message);
      case 'FAILOVER_AMBIGUOUS':
        return new AdminApiError(400, 'from_required', error.message);
      case 'FAILOVER_CONFLICT':
        return new AdminApiError(409, 'conflict', error.message);
      case 'FAILOVER_UNCHANGED':
        return new AdminApiError(409, 'unchanged', error.message);
      default:
        return new AdminApiError(503, 'unavailable', error.message);
    }
  }
  // A follower (or a leader that lost its lease) may not write: the caller should ask the leader.
  if (error instanceof StoreError && error.code === 'STORE_FENCED') return new AdminApiError(503, 'not_leader', `this control-plane replica is not the leader; retry on the leader (${error.message})`);
  if (error instanceof StoreError) return new AdminApiError(503, 'store_unavailable', `the audit store failed (${error.code}): ${error.message}`);
  return error;
}

function optionalString(body: Readonly<Record<string, unknown>>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new AdminApiError(400, 'bad_request', `"${field}" must be a non-empty string`);
  return value.trim();
}

/**
 * An audit list query from `?since` and `?until` (RFC 3339 times, or durations back from now such
 * as `1h`; both inclusive), `?target`, `?actor`, `?action` (exact), `?after` (seq) and `?limit`.
 */
function auditQuery(url: URL, now: () => Date): AuditQuery & { limit: number } {
  const q = url.searchParams;
  const time = (name: string): string | undefined => {
    const raw = q.get(name) ?? undefined;
    if (raw === undefined || raw === '') return undefined;
    const ago = parseGatewayDuration(raw);
    if (ago !== undefined) return new Date(now().getTime() - ago).toISOString();
    if (!Number.isNaN(Date.parse(raw))) return new Date(Date.parse(raw)).toISOString();
    throw new AdminApiError(400, 'bad_request', `${name} must be an RFC 3339 time or a duration such as 1h or 30m, got ${JSON.stringify(raw.slice(0, 80))}`);
  };
  const sinceTime = time('since');
  const untilTime = time('until');
  const integer = (name: string, min: number, max: number): number | undefined => {
    const raw = q.get(name);
    if (raw === null) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw new AdminApiError(400, 'bad_request', `${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const after = integer('after', 0, Number.MAX_SAFE_INTEGER);
  const exact = (name: 'target' | 'actor' | 'action'): { [K in typeof name]?: string } => {
    const value = q.get(name);
    if (value === null || value === '') return {};
    if (value.length > 512) throw new AdminApiError(400, 'bad_request', `${name} must be at most 512 characters`);
    return { [name]: value };
  };
  return {
    ...(sinceTime === undefined ? {} : { sinceTime }),
    ...(untilTime === undefined ? {} : { untilTime }),
    ...exact('target'),
    ...exact('actor'),
    ...exact('action'),
    ...(after === undefined ? {} : { sinceSeq: after }),
    limit: integer('limit', 1, MAX_AUDIT_LIMIT) ?? DEFAULT_AUDIT_LIMIT,
  };
}

/** Registers gauges computed from the runner at scrape time: the alerts of `/api/v1/alerts` as metrics, epochs, phases, drains. */
function registerFailoverMetrics(registry: Registry, runner: FailoverRunner): void {
  new Gauge({
    name: 'lintas_failover_alert',
    help: '1 per active failover alert (FailoverPendingApproval, GuardrailBlocking, OwnerUnhealthy), by policy and cluster',
    labelNames: ['alert', 'severity', 'policy', 'cluster'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of runner.alerts().active) this.set({ alert: a.alert, severity: a.severity, policy: a.policy, cluster: a.cluster }, 1);
    },
  });
  new Gauge({
    name: 'lintas_failover_epoch',
    help: 'The ownership epoch of each FailoverPolicy domain (the X-Lintas-Owner-Epoch mutations carry)',
    labelNames: ['policy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of runner.status()) this.set({ policy: s.policy }, s.epoch);
    },
  });
  new Gauge({
    name: 'lintas_failover_phase',
    help: '1 for the current phase of each owner (from) of each FailoverPolicy',
    labelNames: ['policy', 'from', 'phase'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of runner.status()) for (const m of s.machines) this.set({ policy: s.policy, from: m.primary, phase: m.phase }, 1);
    },
  });
  new Gauge({
    name: 'lintas_cluster_drained',
    help: '1 for each cluster taken out of all routing by lintas drain',
    labelNames: ['cluster'],
    registers: [registry],
    collect() {
      this.reset();
      for (const cluster of runner.drained()) this.set({ cluster }, 1);
    },
  });
  new Gauge({
    name: 'lintas_weight_override',
    help: 'The weight lintas weights set gave each cluster of a TrafficPolicy (0 = no traffic), while the override is in force',
    labelNames: ['policy', 'cluster'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [policy, o] of Object.entries(runner.weightOverrides())) for (const [cluster, weight] of Object.entries(o.weights)) this.set({ policy, cluster }, weight);
    },
  });
}

/** The answer to a weight set or clear. */
function weightAnswer(change: WeightChange): Record<string, unknown> {
  const r = change.record;
  return { policy: change.policy, ...(change.override === undefined ? {} : { override: change.override }), overrides: change.overrides, record: { id: r.id, time: r.time, actor: r.actor, action: r.action } };
}

/** Starts the failover runner (resuming every state from the store) and builds its admin routes. */
export async function startFailoverRunner(options: FailoverServiceOptions): Promise<FailoverService> {
  const now = options.now ?? (() => new Date());
  const { store } = options;
  const { registry: _registry, ...controller } = options;
  const runner = await startFailoverController({ ...controller, now });
  if (options.registry !== undefined) registerFailoverMetrics(options.registry, runner);
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw apiError(error);
    }
  };

  const actions: Record<string, AdminAction> = {};
  for (const [verb, { type, role }] of Object.entries(FAILOVER_VERBS)) {
    actions[`/api/v1/failover/:namespace/:name/${verb}`] = {
      role,
      handler: async ({ principal, params, body, reason }: ActionContext) => {
        const to = optionalString(body, 'to');
        const changeRequest = optionalString(body, 'changeRequest');
        const from = optionalString(body, 'from');
        if (to !== undefined && type !== 'Propose') throw new AdminApiError(400, 'bad_request', '"to" only applies to propose');
        const base = { actor: principal.subject, reason, ...(changeRequest === undefined ? {} : { changeRequest }) };
        const command = (type === 'Propose' ? { type, ...base, ...(to === undefined ? {} : { target: to }) } : { type, ...base }) as OperatorCommand;
        const outcome = await guarded(() => runner.command(params['namespace'] ?? '', params['name'] ?? '', command, from));
        const records = outcome.records.map((r) => ({ id: r.id, time: r.time, actor: r.actor, action: r.action }));
        if (outcome.rejection !== undefined) {
          const status = outcome.rejection.code === 'SelfApproval' ? 403 : 409;
          const audited = records[0] === undefined ? '' : ` (audited as ${records[0].id})`;
          throw new AdminApiError(status, snake(outcome.rejection.code), `${outcome.rejection.message}${audited}`);
        }
        return { body: { policy: outcome.status, records } };
      },
    };
  }
  for (const [verb, drained] of [['drain', true], ['undrain', false]] as const) {
    actions[`/api/v1/${verb}/:cluster`] = {
      role: 'operator',
      handler: async ({ principal, params, body, reason }: ActionContext) => {
        const cluster = params['cluster'] ?? '';
        const problem = dns1123Label(cluster);
        if (problem !== undefined) throw new AdminApiError(400, 'bad_request', `cluster name ${JSON.stringify(cluster)}: ${problem}`);
        const changeRequest = optionalString(body, 'changeRequest');
        const result = await guarded(() => runner.setDrained(cluster, drained, { actor: principal.subject, reason, ...(changeRequest === undefined ? {} : { changeRequest }) }));
        return { body: { cluster, drained: result.drained, record: { id: result.record.id, time: result.record.time, actor: result.record.actor, action: result.record.action } } };
      },
    };
  }

  for (const clear of [false, true]) {
    actions[`/api/v1/weights/:namespace/:name${clear ? '/clear' : ''}`] = {
      role: 'operator',
      handler: async ({ principal, params, body, reason }: ActionContext) => {
        const changeRequest = optionalString(body, 'changeRequest');
        if (clear && body['weights'] !== undefined) throw new AdminApiError(400, 'bad_request', '"weights" does not apply to clear');
        if (!clear && (typeof body['weights'] !== 'object' || body['weights'] === null || Array.isArray(body['weights']))) {
          throw new AdminApiError(400, 'bad_request', '"weights" must be an object of cluster name → non-negative integer weight, e.g. {"jkt-prod-1": 3, "sgp-prod-1": 1}');
        }
        const by = { actor: principal.subject, reason, ...(changeRequest === undefined ? {} : { changeRequest }) };
        const change = await guarded(() => runner.setWeights(params['namespace'] ?? '', params['name'] ?? '', clear ? undefined : body['weights'], by));
        return { body: weightAnswer(change) };
      },
    };
  }

  const viewer = (handler: ProtectedRoute['handler']): ProtectedRoute => ({ role: 'viewer', handler });
  const protectedRoutes: Record<string, ProtectedRoute> = {
    '/api/v1/failover': viewer(() => ({ policies: runner.status() })),
    '/api/v1/failover/:namespace/:name': viewer((_url, p) => runner.status().find((s) => s.namespace === p['namespace'] && s.name === p['name'])),
    '/api/v1/drain': viewer(() => ({ drained: runner.drained() })),
    '/api/v1/weights': viewer(() => ({ overrides: runner.weightOverrides() })),
    '/api/v1/audit': viewer((url) =>
      guarded(async () => {
        const query = auditQuery(url, now);
        // One more than asked tells whether there are more.
        const records = await store.list({ ...query, limit: query.limit + 1 });
        const page = records.slice(0, query.limit);
        return { records: page, truncated: records.length > query.limit, ...(records.length > query.limit ? { next: page[page.length - 1]?.seq } : {}) };
      }),
    ),
    '/api/v1/audit/verify': viewer(() => guarded(() => store.verify())),
    '/api/v1/audit/export': viewer((url) =>
      guarded(async () => {
        const target = url.searchParams.get('target') ?? undefined;
        const [records, chain] = await Promise.all([store.list(target === undefined || target === '' ? {} : { target }), store.verify()]);
        const status = runner.status().find((s) => s.policy === target);
        return evidenceBundle({ generatedAt: now().toISOString(), ...(target ? { target } : {}), records, chain, ...(status === undefined ? {} : { status }) });
      }),
    ),
    '/api/v1/audit/:id': viewer((_url, p) => guarded(() => store.get(p['id'] ?? ''))),
  };

  return {
    actions,
    protectedRoutes,
    onHealth: (report) => runner.onHealth(report),
    ownership: () => runner.ownership(),
    drained: () => runner.drained(),
    registerMetrics: (registry) => registerFailoverMetrics(registry, runner),
    weights: () => Object.fromEntries(Object.entries(runner.weightOverrides()).map(([k, o]) => [k, o.weights])),
    runner,
    close: () => runner.close(),
  };
}

/** The FailoverPolicies, TrafficPolicies and Cluster names of the current fleet, for {@link startFailoverRunner} (none before the first snapshot). */
export function policiesOf(snapshot: () => FleetSnapshot | undefined): Pick<FailoverServiceOptions, 'policies' | 'trafficPolicies' | 'clusters'> {
  const ofKind = <T>(kind: string): T[] => (snapshot()?.fleetObjects ?? []).filter((o) => o.object.kind === kind).map((o) => o.object as unknown as T);
  return {
    policies: () => ofKind<FailoverPolicy>('FailoverPolicy'),
    trafficPolicies: () => ofKind<TrafficPolicy>('TrafficPolicy'),
    clusters: () => ofKind<Cluster>('Cluster').map((c) => c.metadata.name),
  };
}
