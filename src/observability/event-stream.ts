/**
 * Server-sent events (`text/event-stream`) as a raw admin route: each client gets the current
 * value at once as one `event:`, then the value again whenever its version changes (at most
 * one per `minIntervalMs` per client, and none while a slow client has not drained the last
 * one: it gets the newest afterwards), and a `: ping` comment every `pingMs` so proxies and
 * clients see the stream alive. The number of open streams is bounded (503 past it); a
 * stream ends when its client leaves, when the admin server closes, or on {@link EventStream.close}.
 * The token goes in the `Authorization` header like every route (EventSource cannot send one:
 * clients read it with `fetch`).
 * @module
 */
import type { ServerResponse } from 'node:http';
import { AdminApiError, type RawRoute } from './admin-server.ts';
import type { Role } from './auth.ts';
import type { Logger } from './logger.ts';

/** The media type of the stream. */
export const EVENT_STREAM_CONTENT_TYPE = 'text/event-stream';

/** A value and its version (a new version is sent; an equal one is not). */
export interface Versioned {
  readonly version: number;
  readonly data: unknown;
}

/** Options of {@link createEventStream}. */
export interface EventStreamOptions {
  /** The SSE event name, e.g. `snapshot`. */
  readonly event: string;
  readonly role: Role;
  /** The current value (called on connect and on every {@link EventStream.notify} while a stream is open). */
  readonly current: () => Promise<Versioned>;
  readonly log: Logger;
  /** Streams open at once; more get 503 (default 64). */
  readonly maxStreams?: number;
  /** Fewest milliseconds between two events to one client (default 1000). */
  readonly minIntervalMs?: number;
  /** Ping comment interval (default 15 s). */
  readonly pingMs?: number;
  /** Epoch ms (default Date.now). */
  readonly now?: () => number;
}

/** A stream route and its controls. */
export interface EventStream {
  /** The GET route, for `AdminServerOptions.rawRoutes`. */
  readonly route: RawRoute;
  /** Sends the current value to every client whose last event is an older version. */
  notify(): Promise<void>;
  /** Streams open now. */
  open(): number;
  /** Ends every stream (the server is stopping). */
  close(): void;
}

interface Client {
  readonly res: ServerResponse;
  readonly subject: string;
  version: number;
  sentAt: number;
  blocked: boolean;
  later: NodeJS.Timeout | undefined;
  readonly ping: NodeJS.Timeout;
}

/** Creates an event stream (no timers run until a client connects). */
export function createEventStream(options: EventStreamOptions): EventStream {
  const maxStreams = options.maxStreams ?? 64;
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const pingMs = options.pingMs ?? 15_000;
  const now = options.now ?? Date.now;
  const clients = new Set<Client>();
  let closed = false;

  const frame = (value: Versioned): string => `event: ${options.event}\nid: ${String(value.version)}\ndata: ${JSON.stringify(value.data)}\n\n`;
  const send = (client: Client, value: Versioned): void => {
    if (client.res.destroyed || client.blocked || value.version === client.version) return;
    const wait = client.sentAt + minIntervalMs - now();
    if (wait > 0) {
      // Too soon for this client: send whatever is newest once the interval has passed.
      client.later ??= setTimeout(() => {
        client.later = undefined;
        void options.current().then((v) => send(client, v), (error: unknown) => options.log.warn('event stream value failed', { error: String(error) }));
      }, wait);
      return;
    }
    client.version = value.version;
    client.sentAt = now();
    if (!client.res.write(frame(value))) {
      // A slow reader: keep nothing queued for it; it gets the newest value once drained.
      client.blocked = true;
      client.res.once('drain', () => {
        client.blocked = false;
        void stream.notify();
      });
    }
  };
  const end = (client: Client): void => {
    if (!clients.delete(client)) return;
    clearInterval(client.ping);
    clearTimeout(client.later);
    options.log.info('event stream closed', { event: options.event, subject: client.subject });
    client.res.end();
  };

  const stream: EventStream = {
    route: {
      method: 'GET',
      role: () => options.role,
      async handle({ res, principal }) {
        if (closed) throw new AdminApiError(503, 'shutting_down', 'the admin server is stopping');
        // Each stream holds a socket, two timers and a subscription: a looping client must not exhaust them.
        if (clients.size >= maxStreams) throw new AdminApiError(503, 'too_many_streams', `${String(maxStreams)} event streams are open already; close one, or retry later`);
        let gone = false;
        res.once('close', () => (gone = true));
        const first = await options.current();
        if (gone || closed) return; // left (or the server closed) while the first value was made
        res.writeHead(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
        res.flushHeaders();
        const client: Client = {
          res,
          subject: principal.subject,
          version: Number.NaN,
          sentAt: Number.NEGATIVE_INFINITY,
          blocked: false,
          later: undefined,
          ping: setInterval(() => {
            if (!client.blocked) res.write(': ping\n\n');
          }, pingMs),
        };
        clients.add(client);
        res.on('close', () => end(client));
        options.log.info('event stream opened', { event: options.event, subject: principal.subject });
        send(client, first);
      },
    },
    async notify() {
      if (clients.size === 0) return;
      const value = await options.current();
      for (const client of clients) send(client, value);
    },
    open: () => clients.size,
    close() {
      closed = true;
      for (const client of [...clients]) end(client);
    },
  };
  return stream;
}
