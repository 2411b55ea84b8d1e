/**
 * The data contract of the web console (`/ui`, issue 19): what the admin API sends the browser.
 * Types only, so the console app (`console/`) imports them type-only and the server and the UI
 * cannot drift. Every list is sorted (by name, then cluster) so snapshots diff cleanly.
 *
 * Routes (all viewer role, `Authorization: Bearer`; tokens never in URLs):
 * - `GET /api/v1/console/stream`: `text/event-stream`; an `event: snapshot` with a
 *   {@link ConsoleSnapshot} at once, then whenever it changes (at most one a second while
 *   traffic flows, so the UI is at most ~2 s behind), and a `: ping` comment every 15 s.
 *   Read with `fetch` and a stream reader (EventSource cannot send the header).
 * - `GET /api/v1/console/snapshot`: the same {@link ConsoleSnapshot}, once.
 * - `GET /api/v1/console/services?q=&cluster=&offset=&limit=`: a {@link ServicesPage}
 *   (server-side filtering and paging; `q` matches `ns/name` as a substring, case-insensitive).
 * - `GET /api/v1/audit?target=&actor=&action=&since=&until=&limit=&after=`: the audit page
 *   (`{ records, truncated, next? }`), `/api/v1/audit/verify`, `/api/v1/audit/export?target=`,
 *   `/api/v1/audit/:id` (existing routes).
 * - `GET /api/v1/explain?cluster=&host=&path=&method=&header=`: the route "why" (existing).
 * - `GET /api/v1/console/whoami`: a {@link WhoAmI} (which buttons to show; the server checks
 *   every action's role again).
 * - Actions (existing `POST` routes, JSON body with `reason`): failover approve, reject, abort,
 *   failback; drain, undrain; weights set and clear.
 * @module
 */
import type { DataPlaneServing } from '../ir/index.ts';
import type { CheckEvidence, PolicyStatus } from '../controllers/index.ts';
import type { AlertsAnswer } from './alert-service.ts';

/** The whole live picture the console draws, pushed over the stream. */
export interface ConsoleSnapshot {
  /** Increases whenever anything below changes. */
  readonly version: number;
  /** RFC 3339, when this snapshot was made. */
  readonly generatedAt: string;
  readonly fleet: FleetView;
  readonly traffic: TrafficView;
  /** Every FailoverPolicy's status, sorted by `policy`. */
  readonly failover: readonly PolicyStatus[];
  /**
   * Active and recent alerts, as `GET /api/v1/alerts` answers them: failover alerts (with
   * `policy` and `primary`), metric alerts (5xx ratio, non-owner mutations, endpoint age,
   * certificates: `value`, `threshold`) and GSLB alerts; `source` says which.
   */
  readonly alerts: AlertsAnswer;
}

/** Regions, then clusters, then gateways. */
export interface FleetView {
  /** Sorted by name; clusters without a region are under region `''`. */
  readonly regions: readonly RegionView[];
}

/** One region and its clusters. */
export interface RegionView {
  readonly name: string;
  /** Sorted by name. */
  readonly clusters: readonly ClusterView[];
}

/** Worst-of verdict of one health layer over the services a cluster serves (`unknown`: no contract configures it). */
export type LayerState = 'ok' | 'failing' | 'unknown';

/** One cluster as the console draws it. */
export interface ClusterView {
  readonly name: string;
  readonly region: string;
  readonly zone?: string;
  /** Health-contract layers, worst over the cluster's services, with the failing checks as evidence. */
  readonly layers: {
    readonly ready: LayerState;
    readonly regional: LayerState;
    readonly failover: LayerState;
    readonly business: LayerState;
  };
  /** Failing checks behind the layers (service, layer, check), at most 20. */
  readonly failing: readonly { readonly service: string; readonly layer: 'ready' | 'regional' | 'failover' | 'business'; readonly check: CheckEvidence }[];
  /** An operator drained it (`lintas drain`). */
  readonly drained: boolean;
  /** Its data plane's last report (absent: none yet). */
  readonly dataplane?: DataPlaneServing;
  /** Its Gateways (`ns/name`), sorted, with whether this cluster's data plane serves them. */
  readonly gateways: readonly { readonly name: string; readonly address?: string; readonly programmed: boolean }[];
  /** Exported services (ServiceExports) and imported ones (ServiceImports) in this cluster. */
  readonly exports: number;
  readonly imports: number;
}

/** Live traffic between clusters, from the gateways' own counters. */
export interface TrafficView {
  /** The window the rates are over, in seconds (the last few snapshots). */
  readonly windowSeconds: number;
  /** Sorted by entry, then destination. Only pairs that carried traffic in the window, plus pairs seen in the last minute at rate 0 (so an edge visibly drains). */
  readonly edges: readonly TrafficEdge[];
}

/** Requests that entered at one cluster's gateway and went to one destination cluster. */
export interface TrafficEdge {
  readonly entry: string;
  /** `none` when answered without an upstream (no route, 503 before a pick). */
  readonly destination: string;
  readonly rps: number;
  /** 5xx responses / responses in the window (0 when none). */
  readonly errorRatio: number;
  /** p99 latency in ms over the window (from the histogram buckets; absent with no requests). */
  readonly p99Ms?: number;
  /** Requests in the window. */
  readonly requests: number;
}

/** One ServiceImport as the Services view lists it. */
export interface ServiceRow {
  /** `ns/name`. */
  readonly service: string;
  readonly type: string;
  readonly ports: readonly string[];
  /** The clusters importing it, sorted. */
  readonly importedBy: readonly string[];
  /** Per source cluster, sorted: its endpoints. */
  readonly sources: readonly {
    readonly cluster: string;
    readonly endpoints: readonly { readonly address: string; readonly port?: number; readonly ready: boolean; readonly gateway?: 'unhealthy' | 'ejected' }[];
  }[];
  /**
   * The TrafficPolicy that governs it (`ns/name`), its mode and its owner map (OwnershipMap rule →
   * owning cluster after failover moves: `PREFIX*` for a prefix rule, the key for a keys rule, `*` for
   * the default's clusters joined by `,`), and the ownership epoch (absent before the failover runner decided).
   */
  readonly trafficPolicy?: { readonly name: string; readonly mode: string; readonly owners: Readonly<Record<string, string>>; readonly epoch?: number };
}

/** One page of the Services view. */
export interface ServicesPage {
  /** Matching services in all (before paging). */
  readonly total: number;
  readonly offset: number;
  readonly rows: readonly ServiceRow[];
}

/** Who the console is signed in as. */
export interface WhoAmI {
  readonly subject: string;
  readonly roles: readonly string[];
  /** The actions this subject may take (route patterns with method POST). */
  readonly actions: readonly string[];
}
