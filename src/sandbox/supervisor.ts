/**
 * The process supervisor of `lintas up`: runs every planned replica as a real
 * child process (Node IPC for readiness and faults), probes each replica's
 * `/healthz` like a kubelet readiness probe, and reports readiness changes so
 * the generated EndpointSlices follow. Faults act on the processes only —
 * stop/start (down/up), SIGSTOP/SIGCONT (partition/heal: clients see
 * timeouts, not refusals), and in-app faults over IPC (error rate, latency,
 * dependency down, replication lag). The router is never told: Lintas has to
 * detect every fault itself.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { request, type Agent } from 'node:http';
import type { Logger } from '../observability/index.ts';
import type { AppChildMessage, AppConfig, AppFault } from './apps/index.ts';
import type { ReplicaPlan } from './plan.ts';

/** How to start an app process: `file args… <config JSON>`. */
export interface ChildCommand {
  readonly file: string;
  readonly args: readonly string[];
}

/** Options of {@link createSupervisor}. */
export interface SupervisorOptions {
  readonly log: Logger;
  readonly replicas: readonly ReplicaPlan[];
  readonly command: ChildCommand;
  /** The command of one replica when it differs from `command` (`up --kube`: inside its cluster's network namespace). */
  readonly commandFor?: (replica: ReplicaPlan) => ChildCommand;
  /** The HTTP agent of the readiness probes (`up --kube`: one that connects from inside the sandbox's network). */
  readonly probeAgent?: Agent;
  /** Readiness probe period and timeout (ms). */
  readonly probeIntervalMs?: number;
  readonly probeTimeoutMs?: number;
  /** Called whenever some replica's readiness changed. */
  readonly onChange: () => void;
  /** Where each replica's stderr goes (default: discarded). */
  readonly stderr?: (replica: ReplicaPlan) => number | 'ignore';
}

/** What a replica is doing. */
export type ReplicaState = 'starting' | 'running' | 'stopped' | 'paused' | 'failed';

/** One replica as `lintas up` shows it. */
export interface ReplicaStatus {
  readonly id: string;
  readonly cluster: string;
  readonly app: string;
  readonly url: string;
  readonly state: ReplicaState;
  readonly ready: boolean;
  readonly pid?: number;
  readonly fault: AppFault;
}

/** A running supervisor. */
export interface Supervisor {
  /** Starts every replica; resolves when each has said `ready` (or failed), reporting progress. */
  start(progress?: (replica: ReplicaPlan, outcome: 'ready' | 'failed', detail?: string) => void): Promise<void>;
  /** Readiness by replica id (from the last probe). */
  ready(): ReadonlyMap<string, boolean>;
  status(): readonly ReplicaStatus[];
  /** Stops every process of the cluster (`fault cluster NAME down`). */
  clusterDown(cluster: string): Promise<number>;
  /** Starts the cluster's processes again. */
  clusterUp(cluster: string): Promise<number>;
  /** SIGSTOP every process of the cluster; `heal` resumes them. */
  partition(cluster: string): number;
  heal(cluster: string): number;
  /** Merges `fault` into the in-app fault of the matching replicas; returns how many. */
  fault(match: (r: ReplicaPlan) => boolean, fault: AppFault): number;
  stop(): Promise<void>;
}

interface Slot {
  readonly plan: ReplicaPlan;
  child?: ChildProcess;
  state: ReplicaState;
  ready: boolean;
  fault: AppFault;
  probing: boolean;
  readyWaiters: ((ok: boolean, detail?: string) => void)[];
}

const STOP_GRACE_MS = 4000;
const START_TIMEOUT_MS = 20_000;

function configOf(p: ReplicaPlan): AppConfig {
  return {
    app: p.app,
    host: p.address,
    port: p.port,
    cluster: p.cluster,
    region: p.region ?? p.cluster,
    replica: p.replica,
    version: p.version,
    peers: { sameCluster: [...p.peers.sameCluster], otherClusters: p.peers.otherClusters.map((o) => ({ ...o })) },
    logLevel: 'warn',
  } as AppConfig;
}

function probe(address: string, port: number, timeoutMs: number, agent: Agent | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: address, port, path: '/healthz', method: 'GET', timeout: timeoutMs, agent: agent ?? false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Creates the supervisor (nothing runs until `start`). */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { log } = options;
  const slots = new Map<string, Slot>(options.replicas.map((plan) => [plan.id, { plan, state: 'stopped', ready: false, fault: {}, probing: false, readyWaiters: [] }]));
  const interval = options.probeIntervalMs ?? 250;
  const timeout = options.probeTimeoutMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const setReady = (slot: Slot, ready: boolean): void => {
    if (slot.ready === ready) return;
    slot.ready = ready;
    log.info(ready ? 'replica ready' : 'replica not ready', { replica: slot.plan.id });
    options.onChange();
  };

  const launch = (slot: Slot): Promise<{ ok: boolean; detail?: string }> => {
    const p = slot.plan;
    const stderr = options.stderr?.(p) ?? 'ignore';
    const command = options.commandFor?.(p) ?? options.command;
    const child = spawn(command.file, [...command.args, JSON.stringify(configOf(p))], {
      stdio: ['ignore', 'ignore', stderr, 'ipc'],
      // Own process group: Ctrl-C reaches `lintas up`, which stops the replicas in order.
      detached: true,
    });
    // The child has its own copy of the log file descriptor.
    if (typeof stderr === 'number') closeSync(stderr);
    slot.child = child;
    slot.state = 'starting';
    const ready = new Promise<{ ok: boolean; detail?: string }>((resolve) => {
      slot.readyWaiters.push((ok, detail) => resolve({ ok, ...(detail !== undefined ? { detail } : {}) }));
    });
    const settle = (ok: boolean, detail?: string): void => {
      const waiters = slot.readyWaiters.splice(0);
      for (const w of waiters) w(ok, detail);
    };
    const startTimer = setTimeout(() => settle(false, 'no ready message in time'), START_TIMEOUT_MS);
    startTimer.unref();
    child.on('message', (m: AppChildMessage) => {
      if (m.type === 'ready') {
        if (slot.state === 'starting') slot.state = 'running';
        if (Object.keys(slot.fault).length > 0) child.send({ type: 'fault', fault: slot.fault });
        clearTimeout(startTimer);
        settle(true);
      } else if (m.type === 'error') {
        log.error('replica failed', { replica: p.id, code: m.code, error: m.message });
        clearTimeout(startTimer);
        settle(false, m.message);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      settle(false, `exited (${String(code ?? signal)})`);
      if (slot.child === child) {
        slot.child = undefined;
        if (slot.state !== 'stopped') {
          slot.state = 'failed';
          if (!stopped) log.warn('replica exited', { replica: p.id, code, signal });
        }
        setReady(slot, false);
      }
    });
    child.on('error', (error) => {
      log.error('replica could not start', { replica: p.id, error: error.message });
      settle(false, error.message);
    });
    return ready;
  };

  const halt = (slot: Slot): Promise<void> => {
    const child = slot.child;
    slot.state = 'stopped';
    setReady(slot, false);
    if (child === undefined || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      // A paused process cannot handle SIGTERM until it runs again.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
    });
  };

  const tick = (): void => {
    for (const slot of slots.values()) {
      if (slot.probing) continue;
      if (slot.child === undefined || slot.state === 'stopped' || slot.state === 'failed') continue;
      slot.probing = true;
      void probe(slot.plan.address, slot.plan.port, timeout, options.probeAgent).then((ok) => {
        slot.probing = false;
        if (!stopped) setReady(slot, ok);
      });
    }
  };

  const inCluster = (cluster: string): Slot[] => [...slots.values()].filter((s) => s.plan.cluster === cluster);

  return {
    async start(progress) {
      timer = setInterval(tick, interval);
      timer.unref();
      await Promise.all(
        [...slots.values()].map(async (slot) => {
          const r = await launch(slot);
          progress?.(slot.plan, r.ok ? 'ready' : 'failed', r.detail);
        }),
      );
      tick();
    },
    ready: () => new Map([...slots].map(([id, s]) => [id, s.ready])),
    status: () =>
      [...slots.values()].map((s) => ({
        id: s.plan.id,
        cluster: s.plan.cluster,
        app: s.plan.app,
        url: `http://${s.plan.address}:${String(s.plan.port)}`,
        state: s.state,
        ready: s.ready,
        ...(s.child?.pid !== undefined ? { pid: s.child.pid } : {}),
        fault: s.fault,
      })),
    async clusterDown(cluster) {
      const list = inCluster(cluster).filter((s) => s.state !== 'stopped');
      await Promise.all(list.map(halt));
      return list.length;
    },
    async clusterUp(cluster) {
      const list = inCluster(cluster).filter((s) => s.state === 'stopped' || s.state === 'failed');
      await Promise.all(list.map(launch));
      return list.length;
    },
    partition(cluster) {
      let n = 0;
      for (const s of inCluster(cluster)) {
        if (s.child === undefined || s.state !== 'running') continue;
        s.child.kill('SIGSTOP');
        s.state = 'paused';
        n += 1;
      }
      return n;
    },
    heal(cluster) {
      let n = 0;
      for (const s of inCluster(cluster)) {
        if (s.child === undefined || s.state !== 'paused') continue;
        s.child.kill('SIGCONT');
        s.state = 'running';
        n += 1;
      }
      return n;
    },
    fault(match, fault) {
      let n = 0;
      for (const s of slots.values()) {
        if (!match(s.plan)) continue;
        const merged: Record<string, unknown> = { ...s.fault, ...fault };
        for (const [k, v] of Object.entries(merged)) if (v === undefined || v === 0 || v === false) delete merged[k];
        s.fault = merged as AppFault;
        if (s.child?.connected === true) s.child.send({ type: 'fault', fault: s.fault });
        n += 1;
      }
      return n;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      await Promise.all([...slots.values()].map(halt));
    },
  };
}
