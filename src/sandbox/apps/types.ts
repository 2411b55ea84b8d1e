/**
 * Shared types of the built-in demo apps of `lintas up`: the JSON config a
 * child process receives, the faults it can be told to inject, and the handle
 * of a running app.
 * @module
 */
import type { Logger } from '../../observability/index.ts';

/** The built-in demo apps. */
export type AppName = 'case-api' | 'search' | 'audit-ingest' | 'echo';

/** Every app name, in a stable order (for usage text and validation). */
export const APP_NAMES: readonly AppName[] = ['case-api', 'search', 'audit-ingest', 'echo'];

/** Another cluster's replica (or service) an app replicates to. */
export interface OtherClusterPeer {
  readonly cluster: string;
  /** Base URL, e.g. `http://127.2.0.5:41234`. */
  readonly url: string;
}

/** Where an app sends its replication messages. */
export interface AppPeers {
  /** Base URLs of the other replicas of the same app in the same cluster (replicated synchronously). */
  readonly sameCluster: readonly string[];
  /** Replicas (or one service URL per cluster) in other clusters (replicated asynchronously). */
  readonly otherClusters: readonly OtherClusterPeer[];
}

/** Plain-JSON configuration of one app process (what the supervisor hands to a child). */
export interface AppConfig {
  readonly app: AppName;
  /** Address to bind, e.g. `127.1.0.5` (one of the cluster's loopback range). */
  readonly host: string;
  /** Port to bind; 0 picks a free one (the `ready` message carries the real URL). */
  readonly port: number;
  readonly cluster: string;
  readonly region: string;
  readonly replica: number;
  readonly version: string;
  readonly peers?: AppPeers;
  /** Delay before a change is sent to other clusters (ms, default 100). */
  readonly replicationLagMs?: number;
  /** Minimum log level of the child's stderr logger (default `info`). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * Faults an app injects into itself. A new fault replaces the previous
 * settings entirely; `{}` clears them.
 */
export interface AppFault {
  /** Fraction 0..1 of requests answered 500/503 instead of being handled. */
  readonly errorRate?: number;
  /** Added delay before every app route answers (ms). */
  readonly latencyMs?: number;
  /** The app's backing store is down: `/dependencies/db` and data routes answer 503. */
  readonly dependencyDown?: boolean;
  /** Overrides the delay before changes are sent to other clusters (ms). */
  readonly replicationLagMs?: number;
}

/** Counters every app reports in `GET /stats`. */
export interface BaseStats {
  readonly app: AppName;
  readonly cluster: string;
  readonly region: string;
  readonly replica: number;
  readonly version: string;
  /** Every request received, internal ones included. */
  readonly requests: number;
  /** Requests answered 500/503 by the `errorRate` fault. */
  readonly faultErrors: number;
  /** The fault in force (`{}` when none). */
  readonly fault: AppFault;
}

/** Options every `start<App>` function takes. */
export interface AppOptions {
  /** Address to bind (default `127.0.0.1`). */
  readonly host?: string;
  /** Port to bind (default 0: any free port). */
  readonly port?: number;
  readonly cluster: string;
  /** Region label (default: the cluster name). */
  readonly region?: string;
  /** Replica index within the cluster (default 0). */
  readonly replica?: number;
  /** App version reported in responses (default `v1`). */
  readonly version?: string;
  readonly peers?: AppPeers;
  /** Delay before a change is sent to other clusters (ms, default 100). */
  readonly replicationLagMs?: number;
  /** Logger for the app's own lines (default: silent). */
  readonly logger?: Logger;
  /** Randomness for the `errorRate` fault (default Math.random); inject a seeded one in tests. */
  readonly random?: () => number;
  /** Wall clock in ms (default Date.now); replication lag is measured with it. */
  readonly clock?: () => number;
  /** Bound of every request to a peer (ms, default 1000): a stopped peer costs at most this. */
  readonly peerTimeoutMs?: number;
}

/** A running app: where it listens and how to steer it. */
export interface RunningApp<S extends BaseStats = BaseStats> {
  readonly app: AppName;
  /** Base URL, e.g. `http://127.1.0.5:41234`. */
  readonly url: string;
  /** The bound address. */
  readonly address: string;
  /** The bound port. */
  readonly port: number;
  /** Stops listening, drops open connections and stops replication timers. */
  close(): Promise<void>;
  /** Replaces the fault settings (`{}` clears them). */
  applyFault(fault: AppFault): void;
  /** The counters `GET /stats` returns. */
  stats(): S;
}
