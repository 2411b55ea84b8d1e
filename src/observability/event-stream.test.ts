/**
 * Server-sent events over a real admin server: the current value at once, a new event only
 * for a new version and at most one per interval, pings, a bearer token required, the stream
 * bound (503 past it), and cleanup when a client leaves and when the server closes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAdminServer, type AdminServer } from './admin-server.ts';
import { createAuthenticator } from './auth.ts';
import { createEventStream, type EventStream, type EventStreamOptions } from './event-stream.ts';
import { silentLogger } from './logger.ts';
import { waitFor } from '../../test/wait.ts';

const TOKEN = 'viewer-token-0123456789';
const auth = createAuthenticator({ tokens: [{ token: TOKEN, subject: 'v', roles: ['viewer'] }] });

/** Reads SSE frames from a fetch body into `frames` until aborted. */
async function open(url: string, signal: AbortSignal): Promise<{ res: Response; frames: string[] }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` }, signal });
  const frames: string[] = [];
  if (res.body !== null) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          frames.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    })();
  }
  return { res, frames };
}

async function serve(options: Partial<EventStreamOptions> & { value: { version: number; data: unknown } }): Promise<{ admin: AdminServer; stream: EventStream; url: string }> {
  const stream = createEventStream({ event: 'snapshot', role: 'viewer', current: async () => options.value, log: silentLogger, ...options });
  const admin = await startAdminServer({ host: '127.0.0.1', port: 0, log: silentLogger, notReady: () => undefined, auth, rawRoutes: { '/stream': stream.route } });
  return { admin, stream, url: `${admin.url}/stream` };
}

describe('createEventStream', () => {
  it('sends the value at once, again only on a new version, never faster than the interval, and pings', async () => {
    const state = { value: { version: 1, data: { n: 1 } } };
    let clock = 0;
    const { admin, stream, url } = await serve({ ...state, current: async () => state.value, pingMs: 50, minIntervalMs: 1000, now: () => clock });
    const abort = new AbortController();
    try {
      const { res, frames } = await open(url, abort.signal);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      await waitFor('first event', () => (frames.length > 0 ? true : undefined));
      assert.equal(frames[0], 'event: snapshot\nid: 1\ndata: {"n":1}');
      clock = 5000;
      await stream.notify();
      await waitFor('a ping', () => (frames.includes(': ping') ? true : undefined));
      assert.equal(frames.filter((f) => f.startsWith('event:')).length, 1, 'the same version is not sent again');
      state.value = { version: 2, data: { n: 2 } };
      await stream.notify();
      await waitFor('second event', () => (frames.some((f) => f.includes('id: 2')) ? true : undefined));
      // Too soon after the last event (the clock did not move): held back, then sent once the interval passed.
      state.value = { version: 3, data: { n: 3 } };
      await stream.notify();
      assert.ok(!frames.some((f) => f.includes('id: 3')));
      clock = 10_000;
      await waitFor('the held event, after the interval', () => (frames.some((f) => f.includes('id: 3')) ? true : undefined));
      assert.equal(stream.open(), 1);
    } finally {
      abort.abort();
      await admin.close();
      stream.close();
    }
  });

  it('needs a token; refuses past the bound with 503; a client that leaves is cleaned up', async () => {
    const { admin, stream, url } = await serve({ value: { version: 1, data: {} }, maxStreams: 2 });
    const aborts = [new AbortController(), new AbortController(), new AbortController()];
    try {
      assert.equal((await fetch(url)).status, 401);
      await open(url, aborts[0]!.signal);
      await open(url, aborts[1]!.signal);
      await waitFor('two open', () => (stream.open() === 2 ? true : undefined));
      const third = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(third.status, 503);
      assert.equal(((await third.json()) as { error: string }).error, 'too_many_streams');
      aborts[0]!.abort();
      await waitFor('the closed one forgotten', () => (stream.open() === 1 ? true : undefined));
      const again = await open(url, aborts[2]!.signal);
      assert.equal(again.res.status, 200);
    } finally {
      for (const a of aborts) a.abort();
      await admin.close();
    }
    await waitFor('server close ends every stream', () => (stream.open() === 0 ? true : undefined));
  });

  it('close() ends open streams and refuses new ones', async () => {
    const { admin, stream, url } = await serve({ value: { version: 1, data: {} } });
    const abort = new AbortController();
    try {
      const { res } = await open(url, abort.signal);
      assert.equal(res.status, 200);
      stream.close();
      assert.equal(stream.open(), 0);
      assert.equal((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 503);
    } finally {
      abort.abort();
      await admin.close();
    }
  });
});
