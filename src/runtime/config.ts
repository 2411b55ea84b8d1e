/**
 * The typed configuration a runtime is built from: what `lintas serve` and `lintas up` parse
 * from their flags, and what tests build directly.
 * @module
 */
import type { Agent } from 'node:http';
import type { FleetSnapshot } from '../api/index.ts';
import type { AdminAction, Authenticator, JsonRoute, Logger } from '../observability/index.ts';
import type { InClusterOptions } from '../sources/index.ts';
import type { LintasStore } from '../store/index.ts';
import type { EmbeddedGateways } from './gateway-runner.ts';

/**
 * Objects a runtime adds to the fleet read from disk (e.g. the EndpointSlices `lintas up`
 * generates from running processes): applied to every published snapshot, and re-applied
 * whenever the overlay itself changes.
 */
export interface SnapshotOverlay {
  apply(snapshot: FleetSnapshot): FleetSnapshot;
  /** Calls `listener` when the overlay changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** Several overlays applied in order as one (e.g. the watched clusters, then the sandbox's generated slices). */
export function composeOverlays(overlays: readonly SnapshotOverlay[]): SnapshotOverlay | undefined {
  if (overlays.length <= 1) return overlays[0];
  return {
    apply: (snapshot) => overlays.reduce((s, o) => o.apply(s), snapshot),
    subscribe: (listener) => {
      const unsubscribes = overlays.map((o) => o.subscribe(listener));
      return () => unsubscribes.forEach((u) => u());
    },
  };
}

/**
 * The overlay of a source a component makes only when it starts, while the directory source subscribes
 * before then: it applies the source once attached and forwards the source's changes to those subscribers.
 */
export function lateOverlay(): { readonly overlay: SnapshotOverlay; attach(source: { apply(snapshot: FleetSnapshot): FleetSnapshot; subscribe(listener: () => void): unknown }): void } {
  let attached: { apply(snapshot: FleetSnapshot): FleetSnapshot } | undefined;
  const listeners = new Set<() => void>();
  return {
    overlay: {
      apply: (snapshot) => attached?.apply(snapshot) ?? snapshot,
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    attach(source) {
      attached = source;
      source.subscribe(() => {
        for (const listener of listeners) listener();
      });
    },
  };
}

/** A host and port to listen on. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Everything the control plane and its embedded data planes need. */
export interface RuntimeConfig {
  /** The fleet directory (validated by the caller). */
  readonly fleetDir: string;
  /** A kubeconfig whose contexts reach member clusters' API servers (`serve --kubeconfig`): those clusters' objects are read there. */
  readonly kubeconfigPath?: string;
  /** With `kubeconfigPath`: write ServiceImports, derived Services, imported EndpointSlices and export status back (default true; `serve --no-kube-write`: read only). */
  readonly kubeWrite?: boolean;
  /** `serve --in-cluster`: the cluster Lintas runs in is the kubeconfig context `in-cluster` (the pod's service account; tests point it at a stand-in), and by default the management cluster. */
  readonly inCluster?: InClusterOptions;
  /** `serve --management-context`: the context whose API server holds the fleet-scoped lintas.dev CRs (combined with the directory's) and the leader Lease. */
  readonly managementContext?: string;
  /** Lintas's namespace in the management cluster (default: the pod's namespace in-cluster, else lintas-system). */
  readonly lintasNamespace?: string;
  /** Where mcs-state.json and the last good fleet live. */
  readonly stateDir: string;
  readonly dns: ListenAddress;
  readonly admin: ListenAddress;
  /** `Host` names the admin server accepts besides loopback and its bound address. */
  readonly adminAllowedHosts: readonly string[];
  /** Quiet period after a file change before reloading (ms). */
  readonly debounceMs: number;
  /** Access log file (JSON lines); `writeAccessLog` when absent. */
  readonly accessLogPath?: string;
  readonly writeAccessLog: (line: string) => void;
  readonly log: Logger;
  /** The audit store, opened by the caller (it outlives a failed start so the caller reports on it). */
  readonly store: LintasStore;
  /** Who may call the mutating admin API (none: read-only, mutations refused). */
  readonly auth?: Authenticator;
  /** Which gateway listeners this process serves (default `all`); the others are `lintas gateway` processes' (the config stream). */
  readonly embeddedGateways?: EmbeddedGateways;
  /** Worker threads the embedded gateways proxy on (default 1, so translation never stalls traffic); 0: this thread. */
  readonly gatewayWorkers?: number;
  /** This DNS instance's name in the audit records of its public answer moves (several instances per zone). */
  readonly dnsInstance?: string;
  /** This replica's name under the control-plane lease (default: host, pid and a random suffix). */
  readonly holder?: string;
  /** Lease timings (default DEFAULT_LEASE: 15 s TTL, renewed every 2 s). */
  readonly lease?: { readonly ttlMs: number; readonly renewMs: number };
  /** Sandbox additions (`lintas up`): the generated slices, its fault actions and routes. */
  readonly sandbox?: SandboxExtensions;
  /** The built web console served at `/ui` (default: the package's `dist/console`). */
  readonly consoleDir?: string;
}

/** What `lintas up` adds to the runtime. */
export interface SandboxExtensions {
  readonly overlay: SnapshotOverlay;
  /** Extra authenticated admin actions (the faults). */
  readonly actions: Readonly<Record<string, AdminAction>>;
  /** Extra public JSON routes. */
  readonly routes: Readonly<Record<string, JsonRoute>>;
  /**
   * The HTTP agent of the control plane's own requests to endpoints and Gateways (health probes,
   * synthetic transactions, GSLB probes). `up --kube` connects them from inside its network
   * namespaces: the machine's own namespace never sends to a pod address.
   */
  readonly probeAgent?: Agent;
}
