/**
 * The web console's server side (issue 19): every second it samples the embedded gateways'
 * traffic counters into the traffic window, and while a console is connected it rebuilds the
 * {@link ConsoleSnapshot} from the bus and the runners, bumping its version when anything
 * changed and pushing it over the event stream. Routes (all role viewer):
 * `/api/v1/console/snapshot`, `/api/v1/console/stream` (SSE), `/api/v1/console/services`.
 * @module
 */
import { withDataPlaneProgrammed } from '../controllers/index.ts';
import { AdminApiError, createEventStream, type EventStream, type Logger, type ProtectedRoute, type RawRoute } from '../observability/index.ts';
import type { AlertService } from './alert-service.ts';
import type { Bus } from './bus.ts';
import type { Component } from './component.ts';
import type { ConsoleSnapshot, ServicesPage, TrafficView } from './console-contract.ts';
import { DEFAULT_SERVICES_PAGE, MAX_SERVICES_PAGE, servicesPage } from './console-services.ts';
import { consoleSnapshot } from './console-snapshot.ts';
import type { FailoverComponent } from './control-plane.ts';
import type { GatewayComponent } from './data-plane.ts';
import { advanceTraffic, EMPTY_TRAFFIC_WINDOW, type TrafficWindow } from './traffic-view.ts';
import { dataPlaneReport } from './dataplane-reports.ts';

/** The console routes. */
export const CONSOLE_ROUTES = {
  snapshot: '/api/v1/console/snapshot',
  stream: '/api/v1/console/stream',
  services: '/api/v1/console/services',
  whoami: '/api/v1/console/whoami',
} as const;

/** How often traffic is sampled and connected consoles are refreshed. */
export const CONSOLE_TICK_MS = 1_000;
/** Console streams open at once (more get 503). */
export const MAX_CONSOLE_STREAMS = 64;

/** The console component: its routes for the admin server. */
export interface ConsoleComponent extends Component {
  readonly protectedRoutes: Readonly<Record<string, ProtectedRoute>>;
  readonly rawRoutes: Readonly<Record<string, RawRoute>>;
  /** The snapshot now (a new version when anything changed since the last one). */
  snapshot(): Promise<ConsoleSnapshot>;
}

/** Options of {@link consoleComponent}. */
export interface ConsoleComponentOptions {
  readonly bus: Bus;
  readonly gateway: GatewayComponent;
  readonly failover: FailoverComponent;
  readonly alerts: { service(): AlertService | undefined };
  readonly log: Logger;
  /** Epoch ms (default Date.now). */
  readonly now?: () => number;
  readonly tickMs?: number;
  /** Event stream tuning (tests shorten the ping). */
  readonly stream?: { readonly maxStreams?: number; readonly pingMs?: number; readonly minIntervalMs?: number };
}

/** Creates the console component. */
export function consoleComponent(options: ConsoleComponentOptions): ConsoleComponent {
  const { bus, gateway, failover, log } = options;
  const now = options.now ?? Date.now;
  let window: TrafficWindow = EMPTY_TRAFFIC_WINDOW;
  let traffic: TrafficView = { windowSeconds: 0, edges: [] };
  let version = 0;
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  let building: Promise<ConsoleSnapshot> | undefined;

  const build = async (): Promise<ConsoleSnapshot> => {
    const alerts = (await options.alerts.service()?.evaluate()) ?? { active: [], recent: [] };
    const mcs = bus.mcs.get('latest');
    const gateways = gateway.latest();
    const inputs = {
      ...(mcs !== undefined ? { snapshot: mcs.snapshot, mcs: mcs.result } : {}),
      ...(bus.health.get('latest') !== undefined ? { health: bus.health.get('latest') } : {}),
      drained: bus.failover.get('latest')?.drained ?? [],
      dataplanes: bus.dataplanes.snapshot(),
      ...(gateways !== undefined ? { gateways: withDataPlaneProgrammed(gateways, bus.dataplanes.snapshot(), bus.gatewayConfigs.snapshot()) } : {}),
      failover: failover.service()?.runner.status() ?? [],
      alerts,
      traffic,
    };
    // The version moves only when the content does: compare without version and time.
    const made = consoleSnapshot({ ...inputs, version: 0, generatedAt: '' });
    const body = JSON.stringify(made);
    if (body !== last) {
      last = body;
      version += 1;
    }
    return { ...made, version, generatedAt: new Date(now()).toISOString() };
  };
  // One build at a time: concurrent readers share it, and versions never interleave.
  const snapshot = (): Promise<ConsoleSnapshot> => {
    building ??= build().finally(() => (building = undefined));
    return building;
  };

  const stream: EventStream = createEventStream({
    event: 'snapshot',
    role: 'viewer',
    current: async () => {
      const s = await snapshot();
      return { version: s.version, data: s };
    },
    log: log.child({ component: 'console' }),
    maxStreams: options.stream?.maxStreams ?? MAX_CONSOLE_STREAMS,
    ...(options.stream?.pingMs !== undefined ? { pingMs: options.stream.pingMs } : {}),
    ...(options.stream?.minIntervalMs !== undefined ? { minIntervalMs: options.stream.minIntervalMs } : {}),
    now,
  });

  const tick = (): void => {
    ({ window, view: traffic } = advanceTraffic(window, dataPlaneReport(bus, gateway.report(), now()).traffic, now()));
    stream.notify().catch((error: unknown) => log.warn('console refresh failed', { error: error instanceof Error ? error.message : String(error) }));
  };

  return {
    name: 'console',
    async start() {
      tick();
      timer = setInterval(tick, options.tickMs ?? CONSOLE_TICK_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      stream.close();
    },
    health: () => ({ ready: true }),
    snapshot,
    protectedRoutes: {
      [CONSOLE_ROUTES.snapshot]: { role: 'viewer', handler: () => snapshot() },
      [CONSOLE_ROUTES.services]: { role: 'viewer', handler: (url) => services(url) },
    },
    rawRoutes: { [CONSOLE_ROUTES.stream]: stream.route },
  };

  function services(url: URL): ServicesPage {
    const q = url.searchParams;
    const integer = (name: string, fallback: number): number => {
      const raw = q.get(name);
      if (raw === null || raw === '') return fallback;
      if (!/^\d{1,9}$/.test(raw)) throw new AdminApiError(400, 'bad_request', `${name} must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 40))}`);
      return Number(raw);
    };
    const cluster = q.get('cluster') ?? '';
    const text = q.get('q') ?? '';
    if (text.length > 256) throw new AdminApiError(400, 'bad_request', 'q must be at most 256 characters');
    const mcs = bus.mcs.get('latest');
    return servicesPage(
      {
        ...(mcs !== undefined ? { mcs: mcs.result, snapshot: mcs.snapshot } : {}),
        observation: dataPlaneReport(bus, gateway.report(), now()).observation,
        ownership: bus.failover.get('latest')?.ownership ?? {},
      },
      { q: text, cluster, offset: integer('offset', 0), limit: Math.min(integer('limit', DEFAULT_SERVICES_PAGE), MAX_SERVICES_PAGE) },
    );
  }
}
