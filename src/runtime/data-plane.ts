/**
 * The embedded data-plane components of a runtime: the HTTP/TCP gateways of every cluster and the
 * MCS DNS server. They read the bus (MCS results, failover decisions, health exclusions, sandbox
 * faults) and never write another component's state.
 * @module
 */
import type { Registry } from 'prom-client';
import { excludedByHealth, type PolicyInputs } from '../controllers/index.ts';
import { registerDnsServerMetrics, startDnsThread, type DnsQueryEvent, type DnsThread, type ExplainRequest, type RouteExplanation } from '../dataplanes/index.ts';
import type { DataPlaneReport } from '../ir/index.ts';
import type { Logger } from '../observability/index.ts';
import { follow, type Bus } from './bus.ts';
import type { Component } from './component.ts';
import type { ListenAddress } from './config.ts';
import { startGatewayRunner, type EmbeddedGateways, type GatewayRunner } from './gateway-runner.ts';

/** The error handler of a component's bus subscriptions: logs `what` failed, with the stack. */
function logFailure(log: Logger): (what: string) => (error: unknown) => void {
  return (what) => (error) => log.error(what, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}

/** The gateway component and the views of it that the health contract and the admin API read. */
export interface GatewayComponent extends Component {
  /** `route explain` against the live config (answered by the data plane's thread). */
  explain(req: ExplainRequest): Promise<RouteExplanation[]>;
  /** The latest translation, for `/api/v1/gateway`. */
  latest(): ReturnType<GatewayRunner['latest']>;
  /** Listeners bound right now (`address:port`). */
  bound(): readonly string[];
  /** The embedded gateways' report, read live (undefined before start); `dataPlaneReports` adds the remote ones. */
  report(): DataPlaneReport | undefined;
  /** Prometheus text of the embedded gateways' worker threads, summed (for `/metrics`; '' when they run on this thread). */
  metrics(): Promise<string>;
}

/** Options of {@link gatewayComponent}. */
export interface GatewayComponentOptions {
  readonly bus: Bus;
  readonly registry: Registry;
  readonly log: Logger;
  readonly accessLogPath?: string;
  readonly writeAccessLog: (line: string) => void;
  /** Which listeners this process serves itself (default `all`; see EmbeddedGateways). */
  readonly embedded?: EmbeddedGateways;
  /** Worker threads the embedded gateways proxy on (default 1); 0: the control plane's own thread. */
  readonly workers?: number;
}

/** Creates the gateway component (it opens the access log at start: a bad path fails the start). */
export function gatewayComponent(options: GatewayComponentOptions): GatewayComponent {
  const { bus, log } = options;
  const stopping = new AbortController();
  let runner: GatewayRunner | undefined;
  const following: Promise<void>[] = [];
  // Policy inputs come from two components: failover (ownership, drained, weight overrides) and health (exclusions).
  let failover: Pick<PolicyInputs, 'ownership' | 'drained' | 'weights'> = {};
  let excluded: PolicyInputs['excluded'] = {};
  const onError = logFailure(log);
  return {
    name: 'gateway',
    async start() {
      const gateway = startGatewayRunner({ log, registry: options.registry, write: options.writeAccessLog, acks: bus.dataplanes, configs: bus.gatewayConfigs, embedded: options.embedded ?? 'all', ...(options.workers !== undefined ? { workers: options.workers } : {}), ...(options.accessLogPath !== undefined ? { accessLogPath: options.accessLogPath } : {}) });
      runner = gateway;
      const signal = stopping.signal;
      following.push(
        follow(bus.failover, signal, (state) => {
          const latest = state.get('latest');
          if (latest === undefined) return;
          failover = { ownership: latest.ownership, drained: latest.drained, weights: latest.weights };
          gateway.setPolicyInputs({ ...failover, excluded });
        }, onError('applying failover state failed')),
        follow(bus.health, signal, (state) => {
          const report = state.get('latest');
          if (report === undefined) return;
          excluded = excludedByHealth(report);
          gateway.setPolicyInputs({ ...failover, excluded });
        }, onError('applying health exclusions failed')),
        follow(bus.clusterDown, signal, (state) => {
          gateway.setClustersDown(new Set(state.keys()));
        }, onError('applying cluster faults failed')),
        follow(bus.mcs, signal, (state) => {
          const latest = state.get('latest');
          if (latest !== undefined) gateway.onMcs(latest.result, latest.snapshot);
        }, onError('gateway translation input failed')),
      );
    },
    async stop() {
      stopping.abort();
      await Promise.all(following);
      await runner?.close();
    },
    health: () => {
      const why = runner === undefined ? 'gateway not started' : runner.notReady();
      return why === undefined ? { ready: true } : { ready: false, detail: why };
    },
    explain: (req) => runner?.explain(req) ?? Promise.resolve([]),
    latest: () => runner?.latest(),
    bound: () => runner?.bound() ?? [],
    report: () => runner?.report(),
    metrics: () => runner?.metrics() ?? Promise.resolve(''),
  };
}

/** The DNS component, with its port once bound. */
export interface DnsComponent extends Component {
  /** The bound UDP port (0 before start). */
  port(): number;
  /** Resolves once every query answered so far is counted (the admin server awaits it before a scrape). */
  flush(): Promise<void>;
}

/**
 * Creates the DNS component: serves the zone of the latest MCS result (`clusterset.local`) and the
 * public (GSLB) zones, on a thread of its own (dns-thread.ts), so that translating the fleet on this
 * thread never delays an answer.
 */
export function dnsComponent(options: {
  bus: Bus;
  address: ListenAddress;
  registry: Registry;
  log: Logger;
  /** Called with each batch of answered queries (metrics): each distinct event once, with its count. */
  onQuery?: (event: DnsQueryEvent, count: number) => void;
}): DnsComponent {
  const { bus } = options;
  const stopping = new AbortController();
  let thread: DnsThread | undefined;
  let following: Promise<void>[] = [];
  const onError = logFailure(options.log);
  return {
    name: 'dns',
    async start() {
      thread = await startDnsThread({
        address: options.address.host,
        port: options.address.port,
        log: options.log,
        ...(options.onQuery !== undefined ? { onQuery: options.onQuery } : {}),
      });
      const running = thread;
      registerDnsServerMetrics(options.registry, () => running.stats());
      following = [
        follow(bus.mcs, stopping.signal, (state) => {
          const latest = state.get('latest');
          if (latest !== undefined) running.setZone(latest.result.dns);
        }, onError('DNS zone update failed')),
        follow(bus.publicDns, stopping.signal, (state) => {
          const latest = state.get('latest');
          if (latest !== undefined) running.setPublic(latest);
        }, onError('DNS public zone update failed')),
      ];
    },
    async stop() {
      stopping.abort();
      await Promise.all(following);
      await thread?.close();
    },
    health: () => (thread === undefined ? { ready: false, detail: 'DNS not bound' } : thread.serving() ? { ready: true } : { ready: false, detail: 'DNS thread restarting' }),
    port: () => thread?.udpPort ?? 0,
    flush: () => thread?.flush() ?? Promise.resolve(),
  };
}
