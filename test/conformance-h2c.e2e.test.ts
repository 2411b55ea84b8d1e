/**
 * HTTP/2 through `lintas serve` without TLS: the conformance suite's
 * HTTPRouteBackendProtocolH2C (a backend port with appProtocol
 * `kubernetes.io/h2c`, a client speaking HTTP/2 with prior knowledge), plus
 * Lintas' own: an HTTP/1.1 client reaches the h2c backend (the gateway speaks
 * h2c upstream), an h2c client reaches an HTTP/1.1 backend, a request body
 * framed only by HTTP/2 DATA frames arrives whole, curl
 * `--http2-prior-knowledge` agrees, the access log records the request, and a
 * Gateway annotated `lintas.dev/http2-prior-knowledge: "false"` answers
 * HTTP/1.1 only. Loopback 127.124.0.0/16.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { READ_BODY_HEADER } from './conformance-echo.ts';
import { conformanceMissing, INFRA_NS, routeConditions, runCommand, startConformanceFleet, type ConformanceFleet } from './conformance-fleet.ts';
import { httpRoute, removeDir, request } from './gateway-fleet.ts';
import { waitFor } from './wait.ts';

/** One HTTP/2 prior-knowledge request: status and JSON body. */
function h2cRequest(url: string, path: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const req = session.request({ ':method': options.method ?? 'GET', ':path': path, ...options.headers }, { endStream: options.body === undefined });
    let status = 0;
    let text = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      session.close();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // a gateway answer
      }
      resolve({ status, body });
    });
    req.on('error', (e) => {
      session.destroy();
      reject(e);
    });
    if (options.body !== undefined) {
      // Two DATA frames and no Content-Length: the length is only known at the end of the stream.
      req.write(options.body.slice(0, 10));
      req.end(options.body.slice(10));
    }
  });
}

describe('HTTP/2 cleartext and h2c backends through lintas serve (conformance manifests)', { skip: conformanceMissing() ?? false, timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-conf-h2c-'));
  let fleet: ConformanceFleet | undefined;
  let gw = '';
  const h1Route = httpRoute(INFRA_NS, 'h1-backend', { parentRefs: [{ name: 'same-namespace' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/h1' } }], backendRefs: [{ name: 'infra-backend-v2', port: 8080 }] }] });
  const noH2c = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'no-prior-knowledge', namespace: INFRA_NS, annotations: { 'lintas.dev/http2-prior-knowledge': 'false' } },
    spec: { gatewayClassName: 'lintas', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
  };
  const noH2cRoute = httpRoute(INFRA_NS, 'no-prior-knowledge', { parentRefs: [{ name: 'no-prior-knowledge' }], rules: [{ backendRefs: [{ name: 'infra-backend-v2', port: 8080 }] }] });

  before(async () => {
    fleet = await startConformanceFleet(root, { net: '127.124', tests: ['backend-protocol-h2c.yaml'], extra: [h1Route, noH2c, noH2cRoute] });
    gw = fleet.gateway('same-namespace', 80).url;
  });
  after(async () => {
    try {
      await fleet?.stop();
    } finally {
      removeDir(root);
    }
  });

  it('the route to a kubernetes.io/h2c port is Accepted with resolved refs (was ResolvedRefs=False/UnsupportedProtocol)', async () => {
    assert.deepEqual(await routeConditions(fleet, 'backend-protocol-h2c'), ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
  });

  it('HTTPRouteBackendProtocolH2C: an HTTP/2 prior-knowledge request reaches the backend over h2c', async () => {
    const r = await h2cRequest(gw, '/');
    assert.equal(r.status, 200);
    assert.equal(r.body.service, 'infra-backend-v1');
    assert.equal(r.body.namespace, INFRA_NS);
    assert.equal(r.body.proto, 'HTTP/2.0', 'the gateway spoke HTTP/2 to the backend');
    assert.equal(r.body.port, 'h2c');
  });

  it('an HTTP/1.1 client reaches the h2c backend too (the gateway translates)', async () => {
    const r = await request(`${gw}/from-h1`);
    assert.equal(r.status, 200);
    assert.equal((r.body as { proto?: string }).proto, 'HTTP/2.0');
  });

  it('an h2c client reaches an HTTP/1.1 backend', async () => {
    const r = await h2cRequest(gw, '/h1/x');
    assert.equal(r.status, 200);
    assert.equal(r.body.service, 'infra-backend-v2');
    assert.equal(r.body.proto, 'HTTP/1.1');
  });

  it('a body framed only by HTTP/2 DATA frames (no Content-Length) arrives whole, at an h2c and at an HTTP/1.1 backend', async () => {
    const payload = 'x'.repeat(100_000);
    for (const [path, service] of [['/body-h2c', 'infra-backend-v1'], ['/h1/body', 'infra-backend-v2']] as const) {
      // The echo reads the whole body before answering: else, under load, its early answer may end the upload first.
      const r = await h2cRequest(gw, path, { method: 'POST', body: payload, headers: { [READ_BODY_HEADER]: '1' } });
      assert.equal(r.status, 200);
      const echo = fleet?.echo(service);
      await waitFor(`the body at ${service}`, () => (echo?.seen.find((s) => s.path === path)?.bodyBytes === payload.length ? true : undefined));
    }
  });

  it('curl --http2-prior-knowledge speaks HTTP/2 to the listener', async () => {
    assert.equal((await runCommand('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `${gw}/curl`])).stdout, '2 200');
  });

  it('the access log records the HTTP/2 request', async () => {
    await h2cRequest(gw, '/logged-h2c');
    const line = await waitFor('the access log line', () => {
      const l = readFileSync(fleet?.serve.accessLog ?? '', 'utf8').split('\n').find((x) => x.includes('"path":"/logged-h2c"'));
      return l === undefined ? undefined : (JSON.parse(l) as Record<string, unknown>);
    });
    assert.equal(line.status, 200);
    assert.equal(line.route, `${INFRA_NS}/backend-protocol-h2c/0`);
    assert.match(String(line.authority), /^127\.124\.1\.1:\d+$/);
  });

  it('a Gateway annotated lintas.dev/http2-prior-knowledge: "false" answers HTTP/1.1 only', async () => {
    const url = fleet?.gateway('no-prior-knowledge', 80).url ?? '';
    assert.equal((await request(`${url}/ok`)).status, 200);
    await assert.rejects(h2cRequest(url, '/'));
  });
});
