/**
 * Tests of the config stream client against scripted HTTP servers on loopback: frames
 * split across chunks and merged in one chunk, every way a connection ends as a
 * ConfigStreamError with its code (refused, HTTP error, closed, silent after hello,
 * no answer, wrong cluster, bad JSON), and a clean return on abort.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deadPort } from '../gateway/test-kit.ts';
import { ConfigStreamError, readConfigStream, type StreamClientOptions } from './stream-client.ts';
import type { StreamFrame } from '../../ir/index.ts';

type Script = (res: ServerResponse) => void;

describe('readConfigStream', { timeout: 30_000 }, () => {
  let script: Script = (res) => res.end();
  let server: http.Server;
  let port: number;
  const seen: { url: string; authorization: string | undefined }[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      script(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const options = (extra: Partial<StreamClientOptions> = {}): StreamClientOptions => ({
    url: new URL(`http://127.0.0.1:${String(port)}/api/v1/config-stream/jkt?since=abc`),
    cluster: 'jkt',
    token: 'secret-token-0123456789',
    signal: new AbortController().signal,
    ...extra,
  });
  /** Reads frames until the stream ends; returns them and the error it ended with. */
  const drain = async (o: StreamClientOptions, stopAfter?: number): Promise<{ frames: StreamFrame[]; error?: ConfigStreamError }> => {
    const frames: StreamFrame[] = [];
    try {
      for await (const f of readConfigStream(o)) {
        frames.push(f);
        if (stopAfter !== undefined && frames.length >= stopAfter) break;
      }
      return { frames };
    } catch (error) {
      assert.ok(error instanceof ConfigStreamError, String(error));
      return { frames, error };
    }
  };

  it('parses frames split over chunks and several in one chunk, sending the token; the server closing ends it (CLOSED)', async () => {
    const config = JSON.stringify({ type: 'config', version: 'v1', generation: 1, ir: { listeners: [], upstreams: [{ key: 'x'.repeat(100_000) }] } });
    script = (res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"type":"hello","cluster":"jkt","heartbeatMs":1000}\n{"type":"heart');
      res.write(`beat","version":null}\n${config.slice(0, 50_000)}`);
      setImmediate(() => {
        res.write(`${config.slice(50_000)}\n\n{"type":"future-frame"}\n`);
        res.end();
      });
    };
    const { frames, error } = await drain(options());
    assert.deepEqual(frames.map((f) => f.type), ['hello', 'heartbeat', 'config']);
    assert.equal((frames[2] as unknown as { ir: { upstreams: { key: string }[] } }).ir.upstreams[0]?.key.length, 100_000);
    assert.equal(error?.code, 'LINTAS_ERR_STREAM_CLOSED');
    assert.deepEqual(seen.at(-1), { url: '/api/v1/config-stream/jkt?since=abc', authorization: 'Bearer secret-token-0123456789' });
  });

  it('an error status is LINTAS_ERR_STREAM_HTTP with the server\'s code and message', async () => {
    script = (res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"error":"forbidden","message":"requires role gateway:jkt"}');
    };
    const { error } = await drain(options());
    assert.equal(error?.code, 'LINTAS_ERR_STREAM_HTTP');
    assert.equal(error?.status, 403);
    assert.match(error?.message ?? '', /answered 403 \(forbidden: requires role gateway:jkt\)/);
  });

  it('silence for three heartbeats after hello is LINTAS_ERR_STREAM_IDLE; no answer at all is a connect timeout', async () => {
    script = (res) => {
      res.writeHead(200);
      res.write('{"type":"hello","cluster":"jkt","heartbeatMs":30}\n');
    };
    const idle = await drain(options());
    assert.deepEqual(idle.frames.map((f) => f.type), ['hello']);
    assert.equal(idle.error?.code, 'LINTAS_ERR_STREAM_IDLE');
    script = () => undefined;
    const mute = await drain(options({ connectTimeoutMs: 100 }));
    assert.equal(mute.error?.code, 'LINTAS_ERR_STREAM_CONNECT');
  });

  it('a hello for another cluster and a line that is not JSON are protocol errors', async () => {
    script = (res) => {
      res.writeHead(200);
      res.end('{"type":"hello","cluster":"sgp","heartbeatMs":1000}\n');
    };
    const other = (await drain(options())).error;
    assert.equal(other?.code, 'LINTAS_ERR_STREAM_PROTOCOL', other?.message);
    script = (res) => {
      res.writeHead(200);
      res.end('{"type":"hello",\n');
    };
    assert.equal((await drain(options())).error?.code, 'LINTAS_ERR_STREAM_PROTOCOL');
  });

  it('a refused connection is LINTAS_ERR_STREAM_CONNECT; an abort ends the stream without an error', async () => {
    const refused = await drain(options({ url: new URL(`http://127.0.0.1:${String(await deadPort())}/`) }));
    assert.equal(refused.error?.code, 'LINTAS_ERR_STREAM_CONNECT');
    script = (res) => {
      res.writeHead(200);
      res.write('{"type":"hello","cluster":"jkt","heartbeatMs":60000}\n');
    };
    const stop = new AbortController();
    const reading = drain(options({ signal: stop.signal }));
    setTimeout(() => stop.abort(), 50);
    const ended = await reading;
    assert.equal(ended.error, undefined);
    assert.deepEqual(ended.frames.map((f) => f.type), ['hello']);
  });
});
