/**
 * The admin component: `/readyz` (every component's readiness, in start order), `/metrics`, the
 * JSON status routes, and the authenticated admin actions of the failover component and the sandbox.
 * @module
 */
import type { Registry } from 'prom-client';
import { withDataPlaneProgrammed } from '../controllers/index.ts';
import { configStreamRoutes, startAdminServer, whoamiRoute, type AdminServer, type Authenticator, type JsonRoute, type Logger, type ProtectedRoute, type AdminAction, type PrefixHandler, type RawRoute } from '../observability/index.ts';
import { parseHeaderList } from './headers.ts';
import type { Component } from './component.ts';
import type { ListenAddress } from './config.ts';
import type { HealthComponent } from './control-plane.ts';
import type { GatewayComponent } from './data-plane.ts';
import type { Bus } from './bus.ts';
import { CONTROL_PLANE_LEASE } from './leadership.ts';

/** Why this replica does not lead now (undefined on the leader). */
function notLeader(bus: Bus): string | undefined {
  const role = bus.leader.get(CONTROL_PLANE_LEASE);
  if (role?.role === 'leader') return undefined;
  const leader = role?.role === 'follower' && role.leader !== undefined ? ` (the leader is ${role.leader})` : '';
  return `this control-plane replica is not the leader${leader}; connect to the leader`;
}

/** The admin component, with its URL once bound. */
export interface AdminComponent extends Component {
  /** `http://host:port` (empty before start). */
  url(): string;
}

/** Options of {@link adminComponent}. */
export interface AdminComponentOptions {
  readonly bus: Bus;
  readonly address: ListenAddress;
  readonly allowedHosts: readonly string[];
  readonly registry: Registry;
  readonly log: Logger;
  readonly auth?: Authenticator;
  /** The components whose readiness `/readyz` reports (in order; the first not ready is named). */
  readonly readiness: readonly Component[];
  /** Detail lines `/readyz` adds while ready (e.g. a last-good config being served). */
  readonly readyDetail: () => readonly string[];
  readonly gateway: GatewayComponent;
  readonly health: HealthComponent;
  /** Awaited before each scrape: the DNS thread's query counts reach the registry first. */
  readonly beforeMetrics?: () => Promise<void>;
  readonly actions: () => Readonly<Record<string, AdminAction>>;
  readonly protectedRoutes: () => Readonly<Record<string, ProtectedRoute>>;
  /** Routes that write their own response (the console's event stream), besides the config stream. */
  readonly rawRoutes?: () => Readonly<Record<string, RawRoute>>;
  /** Public handlers of path prefixes (the console's static files at `/ui`). */
  readonly prefixes?: Readonly<Record<string, PrefixHandler>>;
  /** Where `GET …/whoami` is served (the console's; absent: not served). */
  readonly whoamiPath?: string;
  readonly routes?: Readonly<Record<string, JsonRoute>>;
}

/** Creates the admin component. */
export function adminComponent(options: AdminComponentOptions): AdminComponent {
  const { bus, gateway } = options;
  let server: AdminServer | undefined;
  return {
    name: 'admin',
    async start() {
      const actions = options.actions();
      server = await startAdminServer({
        host: options.address.host,
        port: options.address.port,
        allowedHosts: options.allowedHosts,
        log: options.log,
        registry: options.registry,
        ...(options.auth !== undefined ? { auth: options.auth } : {}),
        actions,
        ...(options.prefixes !== undefined ? { prefixes: options.prefixes } : {}),
        protectedRoutes: options.protectedRoutes(),
        readyDetail: options.readyDetail,
        // The embedded gateways' worker threads keep their own registries: their metrics, summed (as `lintas gateway --workers`).
        extraMetrics: () => gateway.metrics(),
        ...(options.beforeMetrics !== undefined ? { beforeMetrics: options.beforeMetrics } : {}),
        // The config stream of `lintas gateway` processes (tokens with role gateway:<cluster>).
        rawRoutes: {
          // Only the leader feeds gateways: the drains it runs wait for their acknowledgements.
          ...configStreamRoutes({ configs: bus.gatewayConfigs, acks: bus.streamAcks, reports: bus.reports, log: options.log.child({ component: 'config-stream' }), notServing: () => notLeader(bus) }),
          ...options.rawRoutes?.(),
          // Which actions a token may take is read from the very table the server enforces.
          ...(options.whoamiPath !== undefined ? { [options.whoamiPath]: whoamiRoute(actions) } : {}),
        },
        notReady: () => {
          for (const component of options.readiness) {
            const h = component.health();
            if (!h.ready) return h.detail ?? `${component.name} not ready`;
          }
          return undefined;
        },
        routes: {
          ...options.routes,
          '/api/v1/mcs': () => bus.mcs.get('latest')?.result ?? { clusters: [] },
          '/api/v1/dataplanes': () => ({ dataplanes: [...bus.dataplanes.snapshot().values()].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0)) }),
          '/api/v1/health': () => options.health.runner()?.current() ?? bus.health.get('latest') ?? {},
          // Programmed per cluster: only where that cluster's data plane serves the config (issue 15).
          '/api/v1/gateway': () => {
            const latest = gateway.latest();
            return latest === undefined ? { gateways: [], httpRoutes: [], gatewayClasses: [] } : withDataPlaneProgrammed(latest, bus.dataplanes.snapshot(), bus.gatewayConfigs.snapshot());
          },
          '/api/v1/explain': (url) => {
            const q = url.searchParams;
            const method = q.get('method');
            const listener = q.get('listener');
            return gateway.explain({
              cluster: q.get('cluster') ?? '',
              host: q.get('host') ?? '',
              path: q.get('path') ?? '/',
              ...(method !== null ? { method } : {}),
              ...(listener !== null ? { listener } : {}),
              headers: parseHeaderList(q.getAll('header')),
            });
          },
        },
      });
    },
    async stop() {
      await server?.close();
    },
    health: () => (server === undefined ? { ready: false, detail: 'admin not bound' } : { ready: true }),
    url: () => server?.url ?? '',
  };
}
