/**
 * Shared runtime of the gateway data plane (what every request reaches:
 * upstream state, connection pools, metrics, access log, clock and
 * randomness) and the per-listener state the request path reads.
 * @module
 */
import type { Server } from 'node:http';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import type { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../observability/index.ts';
import type { AccessLogWriter } from './access-log.ts';
import type { CompiledListener } from './compile.ts';
import type { ConfigFreshness } from './freshness.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { EndpointPools } from './pools.ts';
import type { RecentWrites } from './recent-writes.ts';
import type { UpstreamSet } from './upstream/index.ts';

/** Process-wide state of one data plane. */
export interface GatewayRuntime {
  readonly upstreams: UpstreamSet;
  readonly pools: EndpointPools;
  readonly metrics: GatewayMetrics;
  /** Ownership keys mutated recently (read-your-writes); survives config swaps. */
  readonly recentWrites: RecentWrites;
  readonly accessLog: AccessLogWriter;
  readonly random: () => number;
  /** Epoch milliseconds (fractional allowed). */
  readonly now: () => number;
  readonly log: Logger;
  /** Per-attempt bound when a route sets no `backendRequest` timeout (ms). */
  readonly defaultBackendTimeoutMs: number;
  /** How long a response may stay blocked on a client that does not read (ms). */
  readonly downstreamStallMs: number;
  /** How current the config is, for a gateway fed by a control plane (fail-static); absent when the config is local. */
  readonly freshness?: ConfigFreshness;
}

/** One bound listener. `table` is replaced wholesale on apply (requests keep the table they started with). */
export interface ListenerRuntime {
  readonly key: string;
  readonly address: string;
  /** The port actually bound (the IR may say 0; set once listening). */
  port: number;
  /** The HTTP/1.1 engine (engines.ts). */
  readonly server: Server;
  /** What listens: the HTTP/1.1 engine itself, or the TLS server in front of it. */
  readonly front: NetServer;
  /** The HTTP/2 engine, made on the first h2 connection. */
  h2: Http2Server | undefined;
  /** Open HTTP/2 sessions (told to go away when the listener drains). */
  readonly sessions: Set<ServerHttp2Session>;
  /** Which key pairs the TLS server's default context holds (`CompiledTls.fallbackPairs.id`). */
  defaultCertificate: string | undefined;
  table: CompiledListener;
  /** Set when the listener left the config: new requests get `Connection: close`. */
  closing: boolean;
  /** Requests in flight (an open upgrade tunnel counts until it closes). */
  inFlight: number;
  /** Client sockets of open upgrade tunnels (closed at the drain deadline). */
  readonly tunnels: Set<Duplex>;
}

/** Response flag NR: no route (Envoy-style flags are bits here). */
export const FLAG_NR = 1;
/** UH: no healthy upstream endpoint. */
export const FLAG_UH = 2;
/** UF: upstream connect failure. */
export const FLAG_UF = 4;
/** UC: the upstream connection was reset or closed before the response started. */
export const FLAG_UC = 8;
/** UT: upstream (or whole-request) timeout. */
export const FLAG_UT = 16;
/** URX: a retry was warranted but the attempt limit or retry budget said no. */
export const FLAG_URX = 32;
/** DC: the client went away before the response was complete. */
export const FLAG_DC = 64;
/** DPE: downstream protocol error: an invalid request (400 from the HTTP parser, request-checks.ts, or the upstream client refusing to build it), or 408/431 from the parser. */
export const FLAG_DPE = 128;
/** Envoy's stream idle timeout: here, a client that stopped reading the response. */
export const FLAG_SI = 256;
/** OU: the owner of the request's data has no healthy endpoint; the mutation failed closed (issue 5). */
export const FLAG_OU = 512;
/** FE: refused by fencing: the client's ownership epoch is older than the current one (issue 6). */
export const FLAG_FE = 1024;
/** UMR: the upstream connection was reset after the response started; the client's response was cut (issue 14). */
export const FLAG_UMR = 2048;
/** UPE: upstream protocol error: the response has a header the gateway cannot relay (502). */
export const FLAG_UPE = 4096;
/** SC: stale config: an Owner-mode mutation refused because the control plane has not confirmed the config within the staleness budget (issue 15). */
export const FLAG_SC = 8192;

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [FLAG_NR, 'NR'],
  [FLAG_UH, 'UH'],
  [FLAG_UF, 'UF'],
  [FLAG_UC, 'UC'],
  [FLAG_UT, 'UT'],
  [FLAG_URX, 'URX'],
  [FLAG_DC, 'DC'],
  [FLAG_DPE, 'DPE'],
  [FLAG_SI, 'SI'],
  [FLAG_OU, 'OU'],
  [FLAG_FE, 'FE'],
  [FLAG_UMR, 'UMR'],
  [FLAG_UPE, 'UPE'],
  [FLAG_SC, 'SC'],
];

/** One more than the largest flag set. */
const FLAG_LIMIT = 16384;

const FLAG_STRINGS: readonly string[] = Array.from({ length: FLAG_LIMIT }, (_, bits) => {
  const names = FLAG_NAMES.filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name);
  return names.length === 0 ? '-' : names.join(',');
});

/** The access log form of a flag set: `-` when none, else names joined by `,`. */
export function flagString(bits: number): string {
  return FLAG_STRINGS[bits & (FLAG_LIMIT - 1)] ?? '-';
}
