/**
 * The failover runner: one reducer state machine per (FailoverPolicy, `from` cluster), driven by
 * health reports, operator commands and timer ticks, persisted in the durable store.
 *
 * Every accepted step is written with ONE compare-and-set on the machine's key
 * (`failover/<ns>/<name>/<from>`) together with the audit records of its effects, so an
 * acknowledged transition always has its records, and two replicas never both move ownership:
 * a replica whose write lost reloads the winner's state and re-applies the event (`step` is pure),
 * which then judges it against the new state (a late approval becomes "cannot approve in
 * FailingOver"). Effects run only after the write: ownership is recomputed from the states and
 * handed to `onOwnership` (with drains and weight overrides), drains complete after a bounded wait, ticks are armed at the reducer's
 * next deadline. Health bookkeeping that changes nothing the reducer audits is kept in memory
 * only, except a change of the owner's health streak (the basis of dwell and stability windows).
 * @module
 */
import type { FailoverPolicy, TrafficPolicy } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { DataPlaneServing } from '../../ir/index.ts';
import type { AuditRecord as StoredAuditRecord, LintasStore, StoredState, WatchableMap } from '../../store/index.ts';
import type { OwnershipState } from '../gateway/index.ts';
import type { HealthReport } from '../health/index.ts';
import { initialFailoverState, nextDeadline, step } from './reducer.ts';
import { createDrainBook, type DrainBook } from './runner-drain.ts';
import { pendingDataPlanes } from './runner-acks.ts';
import { FailoverRunnerError } from './runner-errors.ts';
import { observationsFor, trafficPolicyKey } from './runner-health.ts';
import { createWeightBook, type ClusterWeightMap, type WeightChange, type WeightOverride, type WeightRequest } from './runner-weights.ts';
import { activeAlerts, auditDrafts, domainOwnership, isStoredState, machineKey, ownershipByTrafficPolicy, parseMachineKey, policyKeyOf, policyStatus, sourcesOf, type ActiveAlert, type PolicyStatus } from './runner-view.ts';
import { type AlertName, type FailoverEvent, type FailoverState, type OperatorCommand, type Rejection, type StepResult } from './types.ts';

/** Options of {@link startFailoverController}. */
export interface FailoverRunnerOptions {
  readonly log: Logger;
  readonly store: LintasStore;
  /** The FailoverPolicies of the current fleet snapshot. */
  readonly policies: () => readonly FailoverPolicy[];
  /** The TrafficPolicies of the fleet: the services whose health decides each domain (else: the policy's namespace), and which policies weights may override. */
  readonly trafficPolicies?: () => readonly TrafficPolicy[];
  /** The Cluster names of the fleet: drains and weight overrides naming another cluster are refused (not found). Absent: not checked. */
  readonly clusters?: () => readonly string[];
  /** Called at start and whenever the ownership (by TrafficPolicy `ns/name`), the drained clusters or the weight overrides (by TrafficPolicy) change. */
  readonly onOwnership: (ownership: Readonly<Record<string, OwnershipState>>, drained: readonly string[], weights: Readonly<Record<string, ClusterWeightMap>>) => void;
  readonly now?: () => Date;
  /** How long in-flight mutations to the previous owner get before the runner reports the drain complete (default 1000 ms). */
  readonly drainWaitMs?: number;
  /**
   * The data planes' acknowledgements by cluster: a drain completes (FailingOver → FailedOver) only once
   * every data plane here serves the drain's epoch; absent or empty, after `drainWaitMs` alone.
   */
  readonly acks?: WatchableMap<string, DataPlaneServing>;
  /** How often to pick up transitions another replica wrote (default 2000 ms; 0 = never). */
  readonly syncIntervalMs?: number;
}

/** A fired alert (an edge the reducer reported), kept in a short history. */
export interface FiredAlert extends ActiveAlert {
  readonly at: string;
}

/** Alerts that hold now, each with when the runner first saw it, and the recent edges. */
export interface AlertsView {
  readonly active: readonly (ActiveAlert & { readonly since: string })[];
  readonly recent: readonly FiredAlert[];
}

/** The answer to an operator command: accepted, or refused by the reducer (both audited). */
export interface CommandOutcome {
  readonly rejection?: Rejection;
  readonly status: PolicyStatus;
  /** The audit records stored with the step. */
  readonly records: readonly StoredAuditRecord[];
}

/** A running failover controller. */
export interface FailoverRunner {
  /** Feeds one health-contract report (queued; returns at once). */
  onHealth(report: HealthReport): void;
  /** Applies an operator command to a policy; `from` picks the machine when the policy has several owners. */
  command(namespace: string, name: string, command: OperatorCommand, from?: string): Promise<CommandOutcome>;
  /** Takes a cluster out of (`drained` true) or back into all routing, as an audited change. */
  setDrained(cluster: string, drained: boolean, by: { actor: string; reason: string; changeRequest?: string }): Promise<{ drained: readonly string[]; record: StoredAuditRecord }>;
  /** Sets (weights given) or clears (undefined) the weight override of TrafficPolicy `ns/name`, as an audited change. */
  setWeights(namespace: string, name: string, weights: unknown, by: WeightRequest): Promise<WeightChange>;
  /** Every governed policy's status, sorted by `ns/name`. */
  status(): PolicyStatus[];
  alerts(): AlertsView;
  ownership(): Record<string, OwnershipState>;
  drained(): string[];
  /** Weight overrides in force by TrafficPolicy `ns/name`. */
  weightOverrides(): Record<string, WeightOverride>;
  /** Delivers a Tick to every machine now (timers do this on their own; tests with a fake clock call it). */
  tick(): Promise<void>;
  /** Picks up states another replica wrote. */
  sync(): Promise<void>;
  /** Resolves when queued work has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Machine {
  readonly key: string;
  readonly primary: string;
  policy: FailoverPolicy | undefined;
  state: FailoverState;
  storeRevision: number;
  queue: Promise<unknown>;
  timer?: NodeJS.Timeout;
  timerAt?: string;
  drainTimer?: NodeJS.Timeout;
  drainFor?: string;
  /** The drain wait has passed; the drain completes once every data plane acknowledged its epoch. */
  drainWaited?: boolean;
}

const MAX_CAS_ATTEMPTS = 5;
/** Timers are armed at most this far ahead and re-armed: setTimeout's range is limited, and a spare Tick is harmless. */
const MAX_TIMER_MS = 3_600_000;
const RECENT_ALERTS = 50;

/** Resumes every state machine from the store and starts governing the policies. */
export async function startFailoverController(options: FailoverRunnerOptions): Promise<FailoverRunner> {
  const { log, store } = options;
  const now = options.now ?? (() => new Date());
  const drainWaitMs = options.drainWaitMs ?? 1000;
  const machines = new Map<string, Machine>();
  const alertSince = new Map<string, string>();
  const recent: FiredAlert[] = [];
  let closed = false;
  let published: string | undefined;

  const decode = (key: string, primary: string, stored: StoredState): FailoverState => {
    if (!isStoredState(stored.state, primary)) throw new FailoverRunnerError('FAILOVER_STATE_CORRUPT', `stored failover state ${key} is not a state of ${primary}; refusing to guess its epoch`);
    return stored.state;
  };
  const active = (): (Machine & { policy: FailoverPolicy })[] => [...machines.values()].filter((m): m is Machine & { policy: FailoverPolicy } => m.policy !== undefined);

  const entries = await store.listStates();
  for (const entry of entries) {
    const parsed = parseMachineKey(entry.key);
    if (parsed === undefined) continue;
    machines.set(entry.key, { key: entry.key, primary: parsed.primary, policy: undefined, state: decode(entry.key, parsed.primary, entry), storeRevision: entry.revision, queue: Promise.resolve() });
  }
  const clusters = options.clusters;
  const exists = clusters === undefined ? {} : { clusterExists: (cluster: string) => clusters().includes(cluster) };
  const drains: DrainBook = createDrainBook({ store, entries, now, onChange: () => publish(), ...exists });
  const trafficPolicy = (ns: string, name: string): TrafficPolicy | undefined => options.trafficPolicies?.().find((p) => (p.metadata.namespace ?? 'default') === ns && p.metadata.name === name);
  const weights = createWeightBook({ store, entries, now, trafficPolicy, onChange: () => publish(), ...exists });

  const ownership = (): Record<string, OwnershipState> => ownershipByTrafficPolicy(active().map((m) => ({ policy: m.policy, primary: m.primary, state: m.state })));
  const publish = (): void => {
    const own = ownership();
    const drained = drains.drained();
    const overrides = Object.fromEntries(Object.entries(weights.overrides()).map(([k, o]) => [k, o.weights]));
    const text = JSON.stringify([own, drained, overrides]);
    if (text === published) return;
    published = text;
    try {
      options.onOwnership(own, drained, overrides);
    } catch (error) {
      log.error('failover: onOwnership failed', { error: (error as Error).message });
    }
  };

  const enqueue = <T>(m: Machine, fn: () => Promise<T>): Promise<T> => {
    const run = m.queue.then(fn);
    m.queue = run.catch(() => undefined);
    return run;
  };
  const report = (what: string) => (error: unknown): void => {
    // Work still queued when the runner stops is dropped on purpose: not an error.
    if (error instanceof FailoverRunnerError && error.code === 'FAILOVER_CLOSED') return;
    // A follower's writes are fenced off by design: the leader makes the change, and the sync brings it here.
    if ((error as { code?: unknown }).code === 'STORE_FENCED') return log.debug(`failover: ${what} not written (not the leader)`, { error: (error as Error).message });
    log.error(`failover: ${what} failed`, { error: (error as Error).message });
  };

  const clearTimers = (m: Machine): void => {
    clearTimeout(m.timer);
    clearTimeout(m.drainTimer);
    m.timer = m.timerAt = m.drainTimer = m.drainFor = m.drainWaited = undefined;
  };

  /** Data planes not yet serving the machine's new ownership epoch while it drains (none outside a drain). */
  const awaiting = (m: Machine): string[] => {
    const s = m.state;
    if (m.policy === undefined || options.acks === undefined || (s.phase !== 'FailingOver' && s.phase !== 'FailingBack')) return [];
    // The domain's epoch (what the gateways stamp), not the machine's: one TrafficPolicy may have several owners.
    const key = trafficPolicyKey(m.policy);
    return pendingDataPlanes(options.acks.snapshot(), key, ownership()[key]?.epoch ?? 1);
  };

  /** Completes the drain once its wait passed and every data plane acknowledged (the reducer's drain deadline stays the backstop). */
  const completeDrain = (m: Machine): void => {
    const s = m.state;
    if (m.drainWaited !== true || (s.phase !== 'FailingOver' && s.phase !== 'FailingBack')) return;
    if (awaiting(m).length > 0) return;
    m.drainWaited = false;
    const event: FailoverEvent = { type: 'DrainComplete', cluster: s.drain.cluster, epoch: s.drain.epoch };
    enqueue(m, () => apply(m, event)).catch(report('drain'));
  };

  /** Arms the machine's one tick timer at the reducer's next deadline, and the drain wait while a drain is in progress. */
  const arm = (m: Machine): void => {
    if (closed || m.policy === undefined) return clearTimers(m);
    const deadline = nextDeadline(m.state, m.policy);
    if (deadline !== m.timerAt) {
      clearTimeout(m.timer);
      m.timer = undefined;
      m.timerAt = deadline;
      if (deadline !== undefined) {
        const delay = Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(deadline) - now().getTime()));
        m.timer = setTimeout(() => {
          m.timer = m.timerAt = undefined;
          enqueue(m, () => apply(m, { type: 'Tick' })).catch(report('tick'));
        }, delay + 1);
        m.timer.unref();
      }
    }
    const s = m.state;
    const drainFor = s.phase === 'FailingOver' || s.phase === 'FailingBack' ? `${s.drain.cluster}@${s.drain.epoch}` : undefined;
    if (drainFor !== m.drainFor) {
      clearTimeout(m.drainTimer);
      m.drainTimer = undefined;
      m.drainFor = drainFor;
      m.drainWaited = false;
      if ((s.phase === 'FailingOver' || s.phase === 'FailingBack') && drainFor !== undefined) {
        // The gateway bounds in-flight mutations by its timeouts; the reducer's drain deadline is the backstop.
        m.drainTimer = setTimeout(() => {
          m.drainTimer = undefined;
          m.drainWaited = true;
          completeDrain(m);
        }, drainWaitMs);
        m.drainTimer.unref();
      }
    }
  };

  /** Takes a stored state another writer made, keeping this replica's newer destination observations. */
  const adopt = (m: Machine, stored: StoredState): void => {
    if (stored.revision === 0) {
      m.state = initialFailoverState(m.primary, now().toISOString());
    } else {
      const theirs = decode(m.key, m.primary, stored);
      const observations = { ...theirs.observations };
      for (const [cluster, mine] of Object.entries(m.state.observations)) {
        const other = observations[cluster];
        if (cluster !== m.primary && (other === undefined || other.at < mine.at)) observations[cluster] = mine;
      }
      m.state = { ...theirs, observations };
    }
    m.storeRevision = stored.revision;
  };

  const afterStep = (m: Machine, policy: FailoverPolicy, result: StepResult, records: readonly StoredAuditRecord[]): void => {
    for (const r of records) {
      const after = r.after as { phase?: string } | undefined;
      log.info('failover', { policy: r.target, primary: m.primary, id: r.id, action: r.action, actor: r.actor, phase: after?.phase, owner: m.state.owner, epoch: m.state.epoch });
    }
    for (const e of result.effects) {
      if (e.type !== 'Alert') continue;
      const fired: FiredAlert = { alert: e.alert, severity: e.severity, policy: policyKeyOf(policy), primary: m.primary, cluster: e.cluster, message: e.message, at: now().toISOString() };
      recent.push(fired);
      if (recent.length > RECENT_ALERTS) recent.shift();
      log.warn('failover alert', { alert: e.alert, policy: fired.policy, cluster: e.cluster, message: e.message });
    }
    arm(m);
    publish();
  };

  /** One event through the reducer and the store (compare-and-set with its audit records), then its effects. */
  const apply = async (m: Machine, event: FailoverEvent): Promise<{ result: StepResult; records: readonly StoredAuditRecord[] }> => {
    for (let attempt = 1; ; attempt++) {
      const policy = m.policy;
      if (policy === undefined || closed) throw new FailoverRunnerError(closed ? 'FAILOVER_CLOSED' : 'FAILOVER_NOT_FOUND', `no FailoverPolicy governs ${m.key} now`);
      const before = m.state;
      const result = step(before, event, policy, now().toISOString());
      const audits = result.effects.flatMap((e) => (e.type === 'Audit' ? [e.record] : []));
      const streakChanged = JSON.stringify(before.primaryHealth) !== JSON.stringify(result.state.primaryHealth);
      if (audits.length === 0 && result.state.revision === before.revision && !streakChanged) {
        m.state = result.state;
        afterStep(m, policy, result, []);
        return { result, records: [] };
      }
      const siblings = active().filter((o) => o !== m && trafficPolicyKey(o.policy) === trafficPolicyKey(policy)).map((o) => o.state);
      const drafts = auditDrafts({ policy, before, records: audits, ownershipBefore: domainOwnership([...siblings, before]), ownershipAfter: domainOwnership([...siblings, result.state]) });
      const cas = await store.compareAndSet(m.key, m.storeRevision, result.state, drafts);
      if (cas.ok) {
        m.state = result.state;
        m.storeRevision = cas.revision;
        afterStep(m, policy, result, cas.records);
        return { result, records: cas.records };
      }
      log.info('failover: another writer moved the state first; re-applying', { key: m.key, event: event.type, expected: m.storeRevision, stored: cas.current.revision });
      adopt(m, cas.current);
      arm(m);
      publish();
      if (attempt >= MAX_CAS_ATTEMPTS) throw new FailoverRunnerError('FAILOVER_CONFLICT', `${m.key} kept changing under ${event.type} (${MAX_CAS_ATTEMPTS} attempts); try again`);
    }
  };

  /** Matches machines to the policies of the current snapshot (new ones start Normal at epoch 0). */
  const refresh = (): void => {
    let policies: readonly FailoverPolicy[];
    try {
      policies = options.policies();
    } catch (error) {
      return report('reading policies')(error);
    }
    const seen = new Set<string>();
    for (const policy of policies) {
      for (const primary of sourcesOf(policy)) {
        const key = machineKey(policy, primary);
        seen.add(key);
        let m = machines.get(key);
        if (m === undefined) {
          m = { key, primary, policy, state: initialFailoverState(primary, now().toISOString()), storeRevision: 0, queue: Promise.resolve() };
          machines.set(key, m);
        }
        m.policy = policy;
        arm(m);
      }
    }
    for (const m of machines.values()) {
      if (seen.has(m.key)) continue;
      m.policy = undefined;
      clearTimers(m);
    }
    publish();
  };

  const pick = (policyKey: string, command: OperatorCommand, from: string | undefined): Machine => {
    const candidates = active().filter((m) => policyKeyOf(m.policy) === policyKey);
    if (candidates.length === 0) throw new FailoverRunnerError('FAILOVER_NOT_FOUND', `no FailoverPolicy ${policyKey}`);
    if (from !== undefined) {
      const m = candidates.find((c) => c.primary === from);
      if (m === undefined) throw new FailoverRunnerError('FAILOVER_INVALID', `${from} is not an owner (.spec.from) of ${policyKey}: ${candidates.map((c) => c.primary).join(', ')}`);
      return m;
    }
    const only = candidates[0];
    if (candidates.length === 1 && only !== undefined) return only;
    const fits: Record<OperatorCommand['type'], readonly string[]> = {
      Propose: ['Degraded', 'Aborted'],
      Approve: ['FailoverPending', 'FailbackPending'],
      Reject: ['FailoverPending', 'FailbackPending'],
      Execute: ['FailoverPending', 'FailbackPending'],
      Abort: ['FailoverPending', 'FailbackPending', 'Degraded'],
      Failback: ['FailedOver'],
    };
    const matching = candidates.filter((c) => fits[command.type].includes(c.state.phase));
    const one = matching[0];
    if (matching.length === 1 && one !== undefined) return one;
    throw new FailoverRunnerError('FAILOVER_AMBIGUOUS', `${policyKey} governs several owners (${candidates.map((c) => c.primary).join(', ')}); say which with "from"`);
  };

  const statusOf = (policyKey: string): PolicyStatus | undefined => {
    const own = active().filter((m) => policyKeyOf(m.policy) === policyKey);
    const first = own[0];
    if (first === undefined) return undefined;
    const order = sourcesOf(first.policy);
    own.sort((a, b) => order.indexOf(a.primary) - order.indexOf(b.primary));
    const status = policyStatus(first.policy, own.map((m) => ({ policy: first.policy, primary: m.primary, state: m.state })));
    const waiting = [...new Set(own.flatMap((m) => awaiting(m)))].sort();
    return waiting.length === 0 ? status : { ...status, awaitingDataPlanes: waiting };
  };

  const sync = async (): Promise<void> => {
    const stored = await store.listStates();
    drains.adopt(stored);
    weights.adopt(stored);
    for (const entry of stored) {
      const parsed = parseMachineKey(entry.key);
      if (parsed === undefined) continue;
      let m = machines.get(entry.key);
      if (m === undefined) {
        m = { key: entry.key, primary: parsed.primary, policy: undefined, state: initialFailoverState(parsed.primary, now().toISOString()), storeRevision: 0, queue: Promise.resolve() };
        machines.set(entry.key, m);
      }
      const target = m;
      if (entry.revision <= target.storeRevision) continue;
      await enqueue(target, async () => {
        if (entry.revision > target.storeRevision) adopt(target, entry);
        arm(target);
      }).catch(report('sync'));
    }
    refresh();
  };

  refresh();
  const syncMs = options.syncIntervalMs ?? 2000;
  let syncing = false;
  // One sync at a time: a slow store must not pile up listings.
  const syncTimer = syncMs > 0 ? setInterval(() => {
    if (syncing || closed) return;
    syncing = true;
    sync().catch(report('sync')).finally(() => (syncing = false));
  }, syncMs) : undefined;
  syncTimer?.unref();

  // Every acknowledgement may end a drain that waits for it.
  const acksDone = new AbortController();
  const acks = options.acks;
  const acksFollowed = (async () => {
    if (acks === undefined) return;
    const updates = acks.subscribe(acksDone.signal);
    while (!(await updates.next()).done) for (const m of machines.values()) completeDrain(m);
  })().catch(report('acknowledgements'));

  const idle = async (): Promise<void> => {
    await Promise.all([...[...machines.values()].map((m) => m.queue), drains.idle(), weights.idle()]);
  };

  return {
    onHealth(healthReport) {
      if (closed) return;
      refresh();
      const tps = options.trafficPolicies?.();
      for (const m of active()) {
        const observations = observationsFor(m.policy, healthReport, tps);
        if (observations.length === 0) continue;
        enqueue(m, async () => {
          for (const observation of observations) await apply(m, { type: 'Health', observation });
        }).catch(report('health'));
      }
    },
    async command(namespace, name, command, from) {
      if (closed) throw new FailoverRunnerError('FAILOVER_CLOSED', 'the failover runner is stopped');
      refresh();
      const policyKey = `${namespace}/${name}`;
      const m = pick(policyKey, command, from);
      const { result, records } = await enqueue(m, () => apply(m, command));
      const status = statusOf(policyKey);
      if (status === undefined) throw new FailoverRunnerError('FAILOVER_NOT_FOUND', `no FailoverPolicy ${policyKey}`);
      return { ...(result.rejection === undefined ? {} : { rejection: result.rejection }), status, records };
    },
    setDrained: (cluster, drained, by) => drains.set(cluster, drained, by),
    setWeights: (namespace, name, w, by) => weights.set(namespace, name, w, by),
    status() {
      refresh();
      const keys = [...new Set(active().map((m) => policyKeyOf(m.policy)))].sort();
      return keys.flatMap((k) => statusOf(k) ?? []);
    },
    alerts() {
      const list = active().flatMap((m) => activeAlerts({ policy: m.policy, primary: m.primary, state: m.state }));
      const keyOf = (a: { policy: string; primary: string; alert: AlertName; cluster: string }): string => `${a.policy}/${a.primary}/${a.alert}/${a.cluster}`;
      const live = new Set(list.map(keyOf));
      for (const k of alertSince.keys()) if (!live.has(k)) alertSince.delete(k);
      const at = now().toISOString();
      const withSince = list.map((a) => {
        const since = alertSince.get(keyOf(a)) ?? at;
        alertSince.set(keyOf(a), since);
        return { ...a, since };
      });
      return { active: withSince, recent: [...recent] };
    },
    ownership,
    drained: () => drains.drained(),
    weightOverrides: () => weights.overrides(),
    async tick() {
      await Promise.all(active().map((m) => enqueue(m, () => apply(m, { type: 'Tick' })).catch(report('tick'))));
    },
    sync,
    idle,
    async close() {
      closed = true;
      clearInterval(syncTimer);
      acksDone.abort();
      await acksFollowed;
      for (const m of machines.values()) clearTimers(m);
      await idle();
    },
  };
}
