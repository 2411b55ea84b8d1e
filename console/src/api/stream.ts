/**
 * The live snapshot stream: `GET /api/v1/console/stream` read with fetch and a stream reader
 * (EventSource cannot send the Authorization header), parsed as SSE, reconnected with back-off,
 * and restarted when nothing (not even the 15 s ping) arrived for a while.
 * @module
 */
import type { ConsoleSnapshot } from './types.ts';
import type { Api } from './client.ts';
import { createSseParser } from '../model/sse.ts';
import { reconnectDelayMs } from '../model/live.ts';

/** The connection as the header shows it. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

/** Callbacks of {@link openStream}. */
export interface StreamHandlers {
  onSnapshot(snapshot: ConsoleSnapshot): void;
  onState(state: LiveState, detail?: string): void;
}

/** No bytes for this long (the server pings every 15 s): reconnect. */
const SILENCE_MS = 40_000;

/** Opens the stream; `close()` stops it for good. */
export function openStream(api: Api, handlers: StreamHandlers): { close(): void } {
  let closed = false;
  let controller: AbortController | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const readOnce = async (): Promise<'again' | 'stop'> => {
    controller = new AbortController();
    const ctl = controller;
    let watchdog = setTimeout(() => ctl.abort(), SILENCE_MS);
    try {
      const res = await api.fetch('/api/v1/console/stream', { headers: { accept: 'text/event-stream' }, signal: ctl.signal });
      if (res.status === 401 || res.status === 403) {
        handlers.onState('unauthorized', `the server refused the token (${String(res.status)})`);
        return 'stop';
      }
      if (!res.ok || res.body === null) throw new Error(`stream answered ${String(res.status)}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = createSseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'again';
        clearTimeout(watchdog);
        watchdog = setTimeout(() => ctl.abort(), SILENCE_MS);
        for (const ev of parser.push(value)) {
          if (ev.event !== 'snapshot') continue;
          handlers.onSnapshot(JSON.parse(ev.data) as ConsoleSnapshot);
          attempt = 0;
          handlers.onState('live');
        }
      }
    } finally {
      clearTimeout(watchdog);
    }
  };

  let attempt = 0;
  const loop = async (): Promise<void> => {
    handlers.onState('connecting');
    while (!closed) {
      let outcome: 'again' | 'stop';
      let detail: string | undefined;
      try {
        outcome = await readOnce();
      } catch (error) {
        outcome = 'again';
        detail = error instanceof Error ? error.message : String(error);
      }
      if (closed || outcome === 'stop') return;
      handlers.onState('reconnecting', detail);
      await new Promise<void>((resolve) => {
        retry = setTimeout(resolve, reconnectDelayMs(attempt, Math.random()));
      });
      attempt += 1;
    }
  };
  void loop();

  return {
    close() {
      closed = true;
      clearTimeout(retry);
      controller?.abort();
    },
  };
}
