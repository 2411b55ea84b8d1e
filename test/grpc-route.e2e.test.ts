/**
 * GRPCRoute through `lintas serve`, with real gRPC exchanges over node:http2
 * (test/grpc-kit.ts): a client speaking h2c prior knowledge to an HTTP
 * listener and TLS with ALPN h2 to an HTTPS one; backends over h2c (with and
 * without appProtocol kubernetes.io/h2c) and over TLS h2 (BackendTLSPolicy).
 * Table: Exact service+method matching, a header match, a RegularExpression
 * match with weighted backends, request and response header modifiers,
 * response trailers (grpc-status and others) passed through, a backend's own
 * error status relayed, UNIMPLEMENTED (12) when nothing matches, UNAVAILABLE
 * (14) with HTTP 200 when the backend is down or has no endpoint, the route's
 * status, and one access log line per call with route, destination cluster
 * and grpc_status. Loopback 127.142.0.0/16.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clusterObject, freePort, gatewayClassObject, gatewayObject, manifests, removeDir, startServe, writeFiles, type Serve } from './gateway-fleet.ts';
import { echoReply, grpcCall, grpcSession, startGrpcServer, type GrpcServer } from './grpc-kit.ts';
import { opensslMissing, selfSigned, signedBy, testCa, tlsSecret } from './tls-certs.ts';
import { waitFor } from './wait.ts';

const NS = 'apps';
const HOST = 'grpc.example.com';

function service(name: string, server: { address: string; port: number } | undefined, appProtocol?: string): object[] {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ name: 'grpc', port: 9000, ...(appProtocol !== undefined ? { appProtocol } : {}) }] } };
  if (server === undefined) return [svc];
  const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-0`, namespace: NS, labels: { 'kubernetes.io/service-name': name } }, addressType: 'IPv4', ports: [{ name: 'grpc', port: server.port }], endpoints: [{ addresses: [server.address] }] };
  return [svc, slice];
}

const exact = (service: string, method?: string): object => ({ method: { service, ...(method !== undefined ? { method } : {}) } });
const backend = (name: string, weight?: number): object => ({ name, port: 9000, ...(weight !== undefined ? { weight } : {}) });

describe('GRPCRoute through lintas serve', { skip: opensslMissing() ?? false, timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-grpc-'));
  const servers: GrpcServer[] = [];
  let serve: Serve | undefined;
  let h2c = '';
  let https = '';
  let gatewayCert = '';
  const byName = (name: string): GrpcServer => servers.find((s) => s.name === name) as GrpcServer;

  before(async () => {
    const ca = testCa('grpc backend CA');
    const gatewayTls = selfSigned([HOST]);
    gatewayCert = gatewayTls.cert;
    servers.push(await startGrpcServer('127.142.2.1', 'echo-v1'), await startGrpcServer('127.142.2.2', 'echo-v2'), await startGrpcServer('127.142.2.3', 'echo-tls', signedBy(ca, ['echo-tls.internal'])));
    const downPort = await freePort('127.142.2.9');
    const [httpPort, httpsPort] = [await freePort('127.142.1.1'), await freePort('127.142.1.1')];
    h2c = `http://127.142.1.1:${String(httpPort)}`;
    https = `https://127.142.1.1:${String(httpsPort)}`;
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'echo', namespace: NS },
      spec: {
        parentRefs: [{ name: 'grpc-gw', namespace: NS }],
        hostnames: [HOST],
        rules: [
          {
            matches: [exact('echo.v1.Echo', 'Unary')],
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-via', value: 'lintas' }] } },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-gateway', value: 'lintas' }] } },
            ],
            backendRefs: [backend('echo-v1')],
          },
          { matches: [{ method: { type: 'RegularExpression', service: 'echo\\.v1\\.Echo', method: 'Weighted.*' } }], backendRefs: [backend('echo-v1', 1), backend('echo-v2', 3)] },
          { matches: [{ ...exact('echo.v1.Echo', 'Header'), headers: [{ name: 'x-tenant', value: 'blue' }] }], backendRefs: [backend('echo-v2')] },
          { matches: [exact('echo.v1.Secure')], backendRefs: [backend('echo-tls')] },
          { matches: [exact('echo.v1.Down')], backendRefs: [backend('down')] },
          { matches: [exact('echo.v1.Empty')], backendRefs: [backend('empty')] },
        ],
      },
    };
    const policy = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'echo-tls', namespace: NS },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'echo-tls' }], validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'grpc-ca' }], hostname: 'echo-tls.internal' } },
    };
    const fleetDir = join(root, 'fleet');
    writeFiles(fleetDir, {
      'fleet.yaml': manifests(clusterObject('a', 'r1', 'r1a', '127.142.0.0/16')),
      'clusters/a/grpc.yaml': manifests(
        gatewayClassObject(),
        gatewayObject(NS, 'grpc-gw', '127.142.1.1', [
          { name: 'h2c', protocol: 'HTTP', port: httpPort },
          { name: 'https', protocol: 'HTTPS', port: httpsPort, hostname: HOST, tls: { certificateRefs: [{ name: 'gateway-cert' }] } },
        ]),
        tlsSecret(NS, 'gateway-cert', gatewayTls),
        route,
        policy,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'grpc-ca', namespace: NS }, data: { 'ca.crt': ca.cert } },
        // echo-v1 declares no appProtocol: a GRPCRoute's backend is spoken to in HTTP/2 anyway.
        ...service('echo-v1', byName('echo-v1')),
        ...service('echo-v2', byName('echo-v2'), 'kubernetes.io/h2c'),
        ...service('echo-tls', byName('echo-tls')),
        ...service('down', { address: '127.142.2.9', port: downPort }),
        ...service('empty', undefined),
      ),
    });
    serve = await startServe(root, fleetDir);
  });
  after(async () => {
    try {
      await serve?.stop();
      await Promise.all(servers.map((s) => s.close()));
    } finally {
      removeDir(root);
    }
  });

  const logLine = (marker: string): Promise<Record<string, unknown>> =>
    waitFor(`the access log line of ${marker}`, () => {
      const line = readFileSync(serve?.accessLog ?? '', 'utf8').split('\n').find((l) => l.includes(marker));
      return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
    });

  it('the GRPCRoute is Accepted with resolved refs on both listeners', async () => {
    type Api = { grpcRoutes: { route: { metadata: { name: string }; status: { parents: { conditions: { type: string; status: string; reason: string }[] }[] } } }[] };
    const api = (await (await fetch(`${serve?.admin ?? ''}/api/v1/gateway`)).json()) as Api;
    const conditions = api.grpcRoutes.find((r) => r.route.metadata.name === 'echo')?.route.status.parents.map((p) => p.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`));
    assert.deepEqual(conditions, [['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']]);
  });

  it('h2c prior knowledge: Exact service and method reach echo-v1 over HTTP/2; filters apply; trailers pass through; one access log line', async () => {
    const r = await grpcCall(h2c, '/echo.v1.Echo/Unary', { authority: HOST, metadata: { 'x-request-id': 'grpc-unary-1' } });
    assert.equal(r.httpStatus, 200);
    assert.equal(r.grpcStatus, 0);
    const reply = echoReply(r);
    assert.equal(reply.server, 'echo-v1');
    assert.equal(reply.request, 'hello');
    assert.equal(reply.metadata['x-via'], 'lintas', 'RequestHeaderModifier');
    assert.equal(reply.metadata.te, 'trailers', 'te: trailers is forwarded');
    assert.equal(r.headers['x-gateway'], 'lintas', 'ResponseHeaderModifier');
    assert.equal(r.trailers['x-trailer'], 'echo-v1', 'the response trailers reach the client');
    const line = await logLine('"request_id":"grpc-unary-1"');
    assert.equal(line.route, `${NS}/echo/0`);
    assert.equal(line.destination_cluster, 'a');
    assert.equal(line.status, 200);
    assert.equal(line.grpc_status, 0);
  });

  it('HTTPS with ALPN h2: the same call through the TLS listener', async () => {
    const r = await grpcCall(https, '/echo.v1.Echo/Unary', { ca: gatewayCert, servername: HOST });
    assert.equal(r.grpcStatus, 0);
    assert.equal(echoReply(r).server, 'echo-v1');
  });

  it('a backend error status is relayed from its trailers (and logged)', async () => {
    const r = await grpcCall(h2c, '/echo.v1.Echo/Unary', { authority: HOST, metadata: { 'x-fail': '5', 'x-request-id': 'grpc-fail-5' } });
    assert.equal(r.httpStatus, 200);
    assert.equal(r.grpcStatus, 5);
    assert.equal(r.grpcMessage, 'failed on request');
    assert.equal((await logLine('"request_id":"grpc-fail-5"')).grpc_status, 5);
  });

  it('method and header matching: the header match routes to echo-v2; without it, or for another method, UNIMPLEMENTED (12)', async () => {
    assert.equal(echoReply(await grpcCall(h2c, '/echo.v1.Echo/Header', { authority: HOST, metadata: { 'x-tenant': 'blue' } })).server, 'echo-v2');
    for (const [path, metadata] of [['/echo.v1.Echo/Header', {}], ['/echo.v1.Echo/Nope', {}], ['/other.Service/Unary', {}]] as const) {
      const r = await grpcCall(h2c, path, { authority: HOST, metadata });
      assert.equal(r.httpStatus, 200, path);
      assert.equal(r.headers['content-type'], 'application/grpc', path);
      assert.equal(r.grpcStatus, 12, path);
    }
  });

  it('RegularExpression match with weights 1:3: both backends answer, echo-v2 about three times as often (60 calls)', async () => {
    const session = grpcSession(h2c);
    const counts = new Map<string, number>();
    try {
      for (let i = 0; i < 60; i += 1) {
        const server = echoReply(await grpcCall(h2c, `/echo.v1.Echo/Weighted${String(i % 3)}`, { authority: HOST, session })).server;
        counts.set(server, (counts.get(server) ?? 0) + 1);
      }
    } finally {
      session.close();
    }
    const v1 = counts.get('echo-v1') ?? 0;
    const v2 = counts.get('echo-v2') ?? 0;
    assert.equal(v1 + v2, 60);
    assert.ok(v1 > 0 && v2 > v1, `echo-v1 ${String(v1)}, echo-v2 ${String(v2)}`);
  });

  it('a TLS h2 backend (BackendTLSPolicy) is re-encrypted with ALPN h2', async () => {
    const reply = echoReply(await grpcCall(h2c, '/echo.v1.Secure/Call', { authority: HOST }));
    assert.equal(reply.server, 'echo-tls');
    assert.equal(reply.alpn, 'h2');
  });

  it('no upstream: HTTP 200, content-type application/grpc, grpc-status 14 with a message, logged with its flag', async () => {
    for (const [path, flag] of [['/echo.v1.Down/Call', 'UF'], ['/echo.v1.Empty/Call', 'UH']] as const) {
      const id = `grpc-unavailable-${flag}`;
      const r = await grpcCall(h2c, path, { authority: HOST, metadata: { 'x-request-id': id } });
      assert.equal(r.httpStatus, 200, path);
      assert.equal(r.headers['content-type'], 'application/grpc', path);
      assert.equal(r.grpcStatus, 14, path);
      assert.notEqual(r.grpcMessage, '', path);
      const line = await logLine(`"request_id":"${id}"`);
      assert.equal(line.grpc_status, 14);
      assert.match(String(line.response_flags), new RegExp(flag));
    }
  });
});
