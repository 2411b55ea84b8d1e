/**
 * HTTP/1.1 Upgrade (RFC 9110 §7.8): WebSocket and any other protocol a
 * client asks for, proxied both ways. An upgrade request is routed like any
 * other (matches, filters, TrafficPolicy, retries of connect failures), then
 * sent upstream with its `Upgrade` token; a 101 answer opens a tunnel that
 * copies bytes in both directions until either side closes. Any other answer
 * is relayed as a normal response and the client connection is closed after
 * it (its framing after an upgrade request is not HTTP/1.1 any more).
 *
 * `Upgrade: h2c` is not an upgrade Lintas performs (RFC 9113 deprecates it):
 * such a request is served as plain HTTP/1.1, the header dropped.
 *
 * Tunnels count as requests in flight until they close; a listener that
 * drains closes the tunnels left at its deadline. The access log line is
 * written when the tunnel closes, with status 101 and its lifetime.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Exchange } from './exchange.ts';
import type { GatewayRuntime, ListenerRuntime } from './runtime.ts';

/** What an upgrade request brings besides its head: the client socket and bytes read past the head. */
export interface UpgradeRequest {
  /** The `Upgrade` header as the client sent it (e.g. `websocket`). */
  readonly protocol: string;
  readonly socket: Duplex;
  readonly head: Buffer;
}

/** Whether node:http should hand a request to the upgrade path: an `Upgrade` other than (only) `h2c`. */
export function wantsUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined || upgrade === '') return false;
  const tokens = upgrade.split(',').map((t) => t.trim().toLowerCase());
  return !tokens.every((t) => t === 'h2c' || t === '');
}

/**
 * A ServerResponse on the upgrade's socket, so local answers (404, 503, a backend's refusal) use
 * the same code as every other request; the connection closes after it.
 */
export function upgradeResponse(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.assignSocket(socket as Socket);
  res.shouldKeepAlive = false;
  res.once('finish', () => socket.end());
  return res;
}

/** Serialises the 101 head from the upstream's raw header list (names and values as received). */
function switchingHead(status: number, raw: readonly Buffer[]): string {
  let head = `HTTP/1.1 ${String(status)} Switching Protocols\r\n`;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${(raw[i] as Buffer).toString('latin1')}: ${(raw[i + 1] as Buffer).toString('latin1')}\r\n`;
  return `${head}\r\n`;
}

/** Opens the tunnel after the upstream's 101: the client gets the 101 head, then bytes flow both ways. */
export function openTunnel(ex: Exchange, upgrade: UpgradeRequest, upstream: Duplex, status: number, raw: readonly Buffer[]): void {
  const client = upgrade.socket;
  const listener = ex.listener;
  ex.status = status;
  ex.tunnel = true;
  ex.stopTimers();
  if (client.destroyed) {
    upstream.destroy();
    return;
  }
  listener.tunnels.add(client);
  client.write(switchingHead(status, raw));
  if (upgrade.head.length > 0) upstream.write(upgrade.head);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    listener.tunnels.delete(client);
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', close);
  client.on('error', close);
  upstream.once('close', close);
  client.once('close', close);
  upstream.pipe(client);
  client.pipe(upstream);
}

/** Closes every tunnel of a listener (its drain deadline passed). */
export function closeTunnels(listener: ListenerRuntime): void {
  for (const socket of listener.tunnels) socket.destroy();
  listener.tunnels.clear();
}

/** Registered on each listener's server: hands upgrade requests to the request path. */
export type UpgradeHandler = (rt: GatewayRuntime, listener: ListenerRuntime, req: IncomingMessage, socket: Duplex, head: Buffer) => void;
