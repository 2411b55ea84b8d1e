import assert from 'node:assert/strict';
import http, { type ServerResponse } from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import type { GatewayIR } from '../../ir/index.ts';
import { ACCESS_LOG_FIELDS } from './access-log.ts';
import {
  backend,
  deadPort,
  endpoint,
  eventually,
  listener,
  rule,
  send,
  sendRaw,
  simpleIR,
  startBackend,
  startGateway,
  upstream,
  vhost,
  type TestBackend,
  type TestGateway,
} from './test-kit.ts';

const SUITE = { timeout: 60_000 };

describe('config changes, listeners and bad input', SUITE, () => {
  let a: TestBackend;
  let b: TestBackend;
  let slow: TestBackend;
  const held: ServerResponse[] = [];
  let gw: TestGateway;
  let registry: Registry;

  const irToA = (): GatewayIR =>
    simpleIR(
      [rule('r', 0, { backends: [backend('a')] })],
      [upstream('a', [endpoint(a.port, 'c1', { version: 'v1' })]), upstream('b', [endpoint(b.port, 'c2', { region: 'r2' })]), upstream('slow', [endpoint(slow.port)])],
    );
  const irWith = (target: string, extraListeners: GatewayIR['listeners'] = []): GatewayIR => {
    const base = irToA();
    const routes = [rule('slow', 0, { match: { path: { type: 'PathPrefix', value: '/slow' }, headers: [], queryParams: [] }, backends: [backend('slow')] }), rule('r', 0, { backends: [backend(target)] })];
    return { listeners: [listener('127.0.0.1:0', [vhost('*', routes)]), ...extraListeners], upstreams: base.upstreams };
  };

  before(async () => {
    [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    slow = await startBackend('slow', (_req, res) => {
      held.push(res);
      return true;
    });
    registry = new Registry();
    gw = await startGateway(irWith('a'), {
      registry,
      http: { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionsCheckingIntervalMs: 50, maxHeaderSize: 4096, drainTimeoutMs: 5_000 },
    });
  });
  after(async () => {
    for (const res of held) res.destroy();
    await gw.close();
    await Promise.all([a.close(), b.close(), slow.close()]);
  });

  test('a config swap during an in-flight request: it completes; new requests use the new route', async () => {
    const port = gw.port();
    const inflight = send(port, '/slow/1');
    await eventually(() => held.length === 1);
    assert.equal((await send(port, '/x')).json().backend, 'a');
    const report = await gw.dp.apply(irWith('b'));
    assert.deepEqual(
      report.listeners.map((l) => [l.key, l.status]),
      [['127.0.0.1:0', 'updated']],
    );
    assert.equal((await send(port, '/x')).json().backend, 'b');
    held[0]?.end('slow done');
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow done');
    assert.equal(gw.port(), port);
  });

  test('a removed listener drains: its in-flight request finishes, then it stops accepting', async () => {
    const extra = listener('127.0.0.3:0', [vhost('*', [rule('slow', 0, { backends: [backend('slow')] })])], { address: '127.0.0.3' });
    const added = await gw.dp.apply(irWith('a', [extra]));
    assert.equal(added.listeners.find((l) => l.key === '127.0.0.3:0')?.status, 'bound');
    const port3 = gw.port('127.0.0.3:0');
    const before = held.length;
    const inflight = send(port3, '/drain', { address: '127.0.0.3' });
    await eventually(() => held.length === before + 1);
    const removed = await gw.dp.apply(irWith('a'));
    assert.equal(removed.listeners.find((l) => l.key === '127.0.0.3:0')?.status, 'draining');
    assert.equal(gw.dp.listeners().length, 1);
    await assert.rejects(send(port3, '/new', { address: '127.0.0.3' }), { code: 'ECONNREFUSED' });
    held[before]?.end('drained');
    assert.equal((await inflight).body, 'drained');
  });

  test('a listener that cannot bind is reported; the others keep serving', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const busy = listener(`127.0.0.1:${String(taken)}`, [vhost('*', [rule('r', 0, { backends: [backend('a')] })])], { port: taken });
      const report = await gw.dp.apply(irWith('a', [busy]));
      const failed = report.listeners.find((l) => l.status === 'failed');
      assert.equal(failed?.key, `127.0.0.1:${String(taken)}`);
      assert.equal(failed?.error?.code, 'LINTAS_ERR_GATEWAY_BIND');
      assert.equal((await send(gw.port('127.0.0.1:0'), '/x')).json().backend, 'a');
    } finally {
      blocker.close();
      await gw.dp.apply(irWith('a'));
    }
  });

  describe('bad input', () => {
    test('oversized headers → 431, and the gateway keeps serving', async () => {
      const r = await send(gw.port(), '/x', { headers: { 'x-big': 'y'.repeat(8000) } });
      assert.equal(r.status, 431);
      assert.equal((await send(gw.port(), '/x')).status, 200);
    });

    test('a malformed request line → 400', async () => {
      const reply = await sendRaw(gw.port(), 'THIS IS NOT HTTP\r\n\r\n');
      assert.match(reply, /^HTTP\/1\.1 400 /);
    });

    test('a bad header → 400', async () => {
      const reply = await sendRaw(gw.port(), 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n');
      assert.match(reply, /^HTTP\/1\.1 400 /);
    });

    test('a client that never finishes its headers is cut off (408)', async () => {
      const reply = await sendRaw(gw.port(), 'GET / HTTP/1.1\r\nHost: x\r\n');
      assert.match(reply, /^HTTP\/1\.1 408 /);
    });

    test('a client that never finishes its body gets 408, the backend sees nothing', async () => {
      const before = a.seen.length;
      const reply = await sendRaw(gw.port(), 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort');
      assert.match(reply, /408|^$/);
      assert.equal(a.seen.length, before);
    });

    test('client errors are logged with DPE', async () => {
      await eventually(() => gw.lines.some((l) => l.response_flags === 'DPE' && l.status === 400));
    });
  });

  test('a client that disconnects early is logged as DC, and the attempt is cancelled', async () => {
    const before = held.length;
    const req = http.request({ host: '127.0.0.1', port: gw.port(), path: '/slow/dc', headers: { host: 'x' }, agent: false });
    req.on('error', () => undefined);
    req.end();
    await eventually(() => held.length === before + 1);
    req.destroy();
    await eventually(() => gw.lines.some((l) => l.path === '/slow/dc'));
    const l = gw.lines.find((x) => x.path === '/slow/dc');
    assert.equal(l?.response_flags, 'DC');
    assert.equal(l?.status, 499);
  });

  test('access log: exactly the listed fields with request values', async () => {
    const r = await send(gw.port(), '/fields?a=1', { host: 'Shop.Example.com:8080', headers: { 'x-request-id': 'req-42' } });
    assert.equal(r.status, 200);
    await eventually(() => gw.lines.some((l) => l.request_id === 'req-42'));
    const l = gw.lines.find((x) => x.request_id === 'req-42') as Record<string, unknown>;
    assert.deepEqual(Object.keys(l), [...ACCESS_LOG_FIELDS]);
    const h = r.json().headers;
    assert.equal(l.trace_id, String(h.traceparent).split('-')[1]);
    assert.match(String(l.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(
      { ...l, time: 'T', trace_id: 'X', duration_ms: 0, upstream_duration_ms: 0 },
      {
        time: 'T',
        request_id: 'req-42',
        trace_id: 'X',
        entry_region: 'r1',
        entry_cluster: 'c1',
        destination_region: null,
        destination_cluster: 'c1',
        gateway: 'ns/gw',
        listener: 'http',
        route: 'ns/r/0',
        service: 'ns/a',
        service_import: null,
        upstream: `127.0.0.1:${String(a.port)}`,
        backend_version: 'v1',
        failover_mode: null,
        routing_mode: null,
        policy: null,
        request_class: null,
        owner: null,
        owner_epoch: null,
        method: 'GET',
        authority: 'Shop.Example.com:8080',
        path: '/fields?a=1',
        status: 200,
        duration_ms: 0,
        upstream_duration_ms: 0,
        retries: 0,
        response_flags: '-',
        grpc_status: null,
      },
    );
    assert.ok((l.duration_ms as number) >= (l.upstream_duration_ms as number));
  });

  test('metrics: requests by route/cluster/class, attempts, locality, generation, duration', async () => {
    await gw.dp.apply(irWith('b'));
    await send(gw.port(), '/remote');
    const text = await registry.metrics();
    assert.match(text, /lintas_gateway_requests_total\{route="ns\/r\/0",destination_cluster="c1",code_class="2xx"\} \d+/);
    assert.match(text, /lintas_gateway_requests_total\{route="ns\/r\/0",destination_cluster="c2",code_class="2xx"\} [1-9]/);
    assert.match(text, /lintas_gateway_upstream_attempts_total\{result="response",kind="main"\} [1-9]/);
    assert.match(text, /lintas_gateway_destination_locality_total\{locality="local"\} [1-9]/);
    assert.match(text, /lintas_gateway_destination_locality_total\{locality="remote"\} [1-9]/);
    assert.match(text, /lintas_gateway_config_generation \d+/);
    assert.match(text, /lintas_gateway_request_duration_seconds_count\{route="ns\/r\/0"\} [1-9]/);
    assert.match(text, /lintas_gateway_access_log_dropped_total 0/);
    await gw.dp.apply(irWith('a'));
  });
});

describe('a client that stops reading the response', SUITE, () => {
  let big: TestBackend;
  let gw: TestGateway;
  let backendAborted = false;
  before(async () => {
    big = await startBackend('big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {
        if (!res.writableFinished) backendAborted = true;
      });
      pump();
      return true;
    });
    gw = await startGateway(simpleIR([rule('big', 0, { backends: [backend('big')] })], [upstream('big', [endpoint(big.port)])]), {
      http: { idleTimeoutMs: 300 },
    });
  });
  after(async () => {
    await gw.close();
    await big.close();
  });

  test('is cut after the stall bound (SI) and the backend request is released', async () => {
    const socket = net.connect(gw.port(), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.pause(); // never read: the gateway's writes back up
    socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    try {
      await eventually(() => gw.lines.some((l) => l.path === '/big'), 20_000);
      const l = gw.lines.find((x) => x.path === '/big');
      assert.equal(l?.status, 200);
      assert.equal(l?.response_flags, 'SI');
      await eventually(() => backendAborted, 10_000);
    } finally {
      socket.destroy();
    }
  });
});

describe('with the real UpstreamSet: a dead endpoint is routed around', SUITE, () => {
  let ok: TestBackend;
  let gw: TestGateway;
  before(async () => {
    ok = await startBackend('ok');
    const dead = await deadPort();
    gw = await startGateway(simpleIR([rule('r', 0, { backends: [backend('u')] })], [upstream('u', [endpoint(dead, 'c1'), endpoint(ok.port, 'c1')])]));
  });
  after(async () => {
    await gw.close();
    await ok.close();
  });

  test('every request succeeds (connect failures retried), concurrently', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    try {
      const rs = await Promise.all(Array.from({ length: 60 }, (_, i) => send(gw.port(), `/r${String(i)}`, { agent })));
      assert.ok(rs.every((r) => r.status === 200));
    } finally {
      agent.destroy();
    }
  });
});
