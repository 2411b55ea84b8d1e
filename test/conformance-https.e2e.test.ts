/**
 * HTTPS listeners through `lintas serve`, with real TLS clients (node:https,
 * node:http2, node:tls, openssl s_client, curl): the conformance suite's base
 * Gateway `same-namespace-with-https-listener` (four HTTPS listeners on one
 * port) with its certificate made at run time as the suite makes it, the
 * suite's HTTPRouteHTTPSListener and HTTPRouteHTTPSListenerDetectMisdirectedRequests
 * cases (their routes transcribed below: those manifests are not in the shared
 * copy), GatewayWithAttachedRoutes on the shared manifest, and Lintas' own:
 * SNI picks each listener's certificate, a Secret in another namespace through
 * a ReferenceGrant, ALPN h2 and http/1.1, listener conditions for refs that do
 * not resolve, certificate rotation without dropping open connections,
 * `lintas get gateways -o wide` showing notAfter, and the access log on HTTPS.
 * Loopback 127.123.0.0/16.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lintas } from '../src/cli/test-cli.ts';
import { conformanceMissing, INFRA_NS, runCommand, startConformanceFleet, type ConformanceFleet } from './conformance-fleet.ts';
import { httpRoute, removeDir } from './gateway-fleet.ts';
import { h2Session, tlsHandshake, tlsRequest, type TlsReply } from './tls-client.ts';
import { opensslMissing, selfSigned, testCa, signedBy, tlsSecret, type TestCert } from './tls-certs.ts';
import { waitFor } from './wait.ts';

const GW = 'same-namespace-with-https-listener';
const WEB_NS = 'gateway-conformance-web-backend';
const v = (n: number): string => `infra-backend-v${String(n)}`;
const ref = (name: string): object[] => [{ name, port: 8080 }];
const prefix = (value: string): object[] => [{ path: { type: 'PathPrefix', value } }];

/** The redirects of the HTTPS route of the suite's HTTPRouteRedirectPortAndScheme (its shared copy drops that route). */
const REDIRECTS: readonly { path: string; redirect: object }[] = [
  { path: '/scheme-nil-and-port-nil', redirect: { hostname: 'example.org' } },
  { path: '/scheme-nil-and-port-443', redirect: { port: 443, hostname: 'example.org' } },
  { path: '/scheme-nil-and-port-8443', redirect: { port: 8443, hostname: 'example.org' } },
  { path: '/scheme-http-and-port-nil', redirect: { scheme: 'http', hostname: 'example.org' } },
  { path: '/scheme-http-and-port-80', redirect: { scheme: 'http', port: 80, hostname: 'example.org' } },
  { path: '/scheme-http-and-port-8080', redirect: { scheme: 'http', port: 8080, hostname: 'example.org' } },
];

/** The suite's routes for its HTTPS tests (transcribed: conformance/tests/httproute-https-listener*.yaml, httproute-redirect-port-and-scheme.yaml). */
function suiteRoutes(): object[] {
  const parent = (sectionName?: string): object[] => [{ name: GW, ...(sectionName ? { sectionName } : {}) }];
  return [
    // hostnames added: here it shares the Gateway with httproute-https-test, whose exact hostname would win (precedence) on example.org.
    httpRoute(INFRA_NS, 'http-route-for-listener-on-port-443', { parentRefs: parent(), hostnames: ['example.org'], rules: REDIRECTS.map((r) => ({ matches: prefix(r.path), filters: [{ type: 'RequestRedirect', requestRedirect: r.redirect }] })) }),
    httpRoute(INFRA_NS, 'httproute-https-test', { parentRefs: parent(), hostnames: ['example.org'], rules: [{ backendRefs: ref(v(1)) }] }),
    httpRoute(INFRA_NS, 'httproute-https-test-no-hostname', { parentRefs: parent('https-with-hostname'), rules: [{ backendRefs: ref(v(2)) }] }),
    httpRoute(INFRA_NS, 'https-listener-detect-misdirected-requests-test-1', { parentRefs: parent('https'), hostnames: ['example.org'], rules: [{ matches: prefix('/detect-misdirected-requests'), backendRefs: ref(v(1)) }] }),
    httpRoute(INFRA_NS, 'https-listener-detect-misdirected-requests-test-2', { parentRefs: parent('https-with-hostname'), rules: [{ matches: prefix('/detect-misdirected-requests'), backendRefs: ref(v(2)) }] }),
    httpRoute(INFRA_NS, 'https-listener-detect-misdirected-requests-test-3', { parentRefs: parent('https-with-wildcard-hostname'), rules: [{ matches: prefix('/detect-misdirected-requests'), backendRefs: ref(v(3)) }] }),
    httpRoute(INFRA_NS, 'https-listener-detect-misdirected-requests-test-4', { parentRefs: parent('https-with-hostname-matching-wildcard'), rules: [{ matches: prefix('/detect-misdirected-requests'), backendRefs: ref(v(1)) }] }),
  ];
}

const gateway = (name: string, listeners: readonly object[], namespace = INFRA_NS): object => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace },
  spec: { gatewayClassName: 'lintas', listeners },
});
const httpsListener = (name: string, hostname: string | undefined, certificateRefs: readonly object[]): object => ({ name, protocol: 'HTTPS', port: 443, ...(hostname ? { hostname } : {}), allowedRoutes: { namespaces: { from: 'All' } }, tls: { mode: 'Terminate', certificateRefs } });

/** Lintas' own Gateway: one certificate per listener, one in another namespace through a grant, refs that do not resolve. */
function ownObjects(a: TestCert, b: TestCert): object[] {
  return [
    tlsSecret(INFRA_NS, 'sni-a', a),
    tlsSecret(WEB_NS, 'sni-b', b),
    tlsSecret(WEB_NS, 'not-granted', b),
    {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'infra-gateways-to-sni-b', namespace: WEB_NS },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: INFRA_NS }], to: [{ group: '', kind: 'Secret', name: 'sni-b' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'malformed-certificate', namespace: INFRA_NS },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'SGVsbG8gd29ybGQK', 'tls.key': 'SGVsbG8gd29ybGQK' },
    },
    gateway('sni', [
      httpsListener('a', 'a.sni.test', [{ name: 'sni-a' }]),
      httpsListener('b', 'b.sni.test', [{ name: 'sni-b', namespace: WEB_NS }]),
      httpsListener('not-granted', 'c.sni.test', [{ name: 'not-granted', namespace: WEB_NS }]),
      httpsListener('nonexistent', 'd.sni.test', [{ name: 'nonexistent-certificate' }]),
      httpsListener('unsupported-group', 'e.sni.test', [{ group: 'wrong.group.company.io', kind: 'Secret', name: 'sni-a' }]),
      httpsListener('unsupported-kind', 'f.sni.test', [{ group: '', kind: 'WrongKind', name: 'sni-a' }]),
      httpsListener('malformed', 'g.sni.test', [{ name: 'malformed-certificate' }]),
    ]),
    httpRoute(INFRA_NS, 'sni-routes', { parentRefs: [{ name: 'sni' }], rules: [{ backendRefs: ref(v(2)) }] }),
  ];
}

interface Condition {
  type: string;
  status: string;
  reason: string;
}
interface ListenerStatus {
  name: string;
  supportedKinds: { group: string; kind: string }[];
  attachedRoutes: number;
  conditions: Condition[];
  certificates?: { secret: string; notAfter: string }[];
}
interface GatewayView {
  gateways: { gateway: { metadata: { name: string }; status: { conditions: Condition[]; listeners: ListenerStatus[] } } }[];
  httpRoutes: { route: { metadata: { name: string }; status: { parents: { conditions: Condition[] }[] } } }[];
}

describe('HTTPS listeners through lintas serve (conformance manifests)', { skip: conformanceMissing() ?? opensslMissing() ?? false, timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-conf-https-'));
  let fleet: ConformanceFleet | undefined;
  // As the suite: a self-signed certificate for "*", "*.org" and "*.wildcard.org".
  const suiteCert = selfSigned(['*', '*.org', '*.wildcard.org']);
  const ca = testCa();
  const certA = signedBy(ca, ['a.sni.test']);
  const certB = signedBy(ca, ['b.sni.test'], { days: 10 });
  const print = (c: TestCert): string => new X509Certificate(c.cert).fingerprint256;
  let gw = { address: '', port: 0 };
  let sni = { address: '', port: 0 };
  const api = async (): Promise<GatewayView> => (await (await fetch(`${fleet?.serve.admin}/api/v1/gateway`)).json()) as GatewayView;
  const listenersOf = async (name: string): Promise<ListenerStatus[]> => (await api()).gateways.find((g) => g.gateway.metadata.name === name)?.gateway.status.listeners ?? [];

  const extra = (a: TestCert): object[] => [tlsSecret(INFRA_NS, 'tls-validity-checks-certificate', suiteCert), ...suiteRoutes(), ...ownObjects(a, certB)];

  before(async () => {
    fleet = await startConformanceFleet(root, { net: '127.123', tests: ['gateway-with-attached-routes.yaml'], extra: extra(certA) });
    gw = fleet.gateway(GW, 443);
    sni = fleet.gateway('sni', 443);
  });
  after(async () => {
    try {
      await fleet?.stop();
    } finally {
      removeDir(root);
    }
  });

  const expectBackend = (r: TlsReply, backend: string | undefined, what: string): void => {
    if (backend !== undefined) assert.equal(r.body.service, backend, `${what}: routed to ${String(r.body.service)}`);
  };

  describe('HTTPRouteHTTPSListener (SNI = Host)', () => {
    const cases = [
      { host: 'example.org', status: 200, backend: v(1) },
      { host: 'unknown-example.org', status: 404, backend: undefined },
      { host: 'second-example.org', status: 200, backend: v(2) },
    ];
    for (const protocol of ['http/1.1', 'h2'] as const) {
      for (const c of cases) {
        it(`${protocol}: ${c.host} → ${String(c.status)}${c.backend ? ` (${c.backend})` : ''}`, async () => {
          const r = await tlsRequest({ ...gw, servername: c.host, path: '/', ca: suiteCert.cert, protocol });
          assert.equal(r.status, c.status);
          assert.equal(r.alpn, protocol);
          assert.equal(r.fingerprint, print(suiteCert));
          expectBackend(r, c.backend, c.host);
          if (r.status === 200) assert.equal(r.body.proto, 'HTTP/1.1', 'the backend is spoken to in HTTP/1.1');
        });
      }
    }
  });

  describe('HTTPRouteHTTPSListenerDetectMisdirectedRequests (HTTP/2)', () => {
    const cases: { serverName: string; host: string; status: number; backend?: string }[] = [
      { serverName: 'example.org', host: 'example.org', status: 200, backend: v(1) },
      { serverName: 'example.org', host: 'second-example.org', status: 421 },
      { serverName: 'example.org', host: 'unknown-example.org', status: 404 },
      { serverName: 'second-example.org', host: 'second-example.org', status: 200, backend: v(2) },
      { serverName: 'second-example.org', host: 'example.org', status: 421 },
      { serverName: 'second-example.org', host: 'unknown-example.org', status: 421 },
      { serverName: 'third-example.wildcard.org', host: 'third-example.wildcard.org', status: 200, backend: v(3) },
      { serverName: 'third-example.wildcard.org', host: 'fith-example.wildcard.org', status: 200, backend: v(3) },
      { serverName: 'third-example.wildcard.org', host: 'fourth-example.wildcard.org', status: 421 },
      { serverName: 'third-example.wildcard.org', host: 'second-example.org', status: 421 },
      { serverName: 'third-example.wildcard.org', host: 'unknown-example.org', status: 421 },
      { serverName: 'fourth-example.wildcard.org', host: 'fourth-example.wildcard.org', status: 200, backend: v(1) },
      { serverName: 'fourth-example.wildcard.org', host: 'fith-example.wildcard.org', status: 421 },
      { serverName: 'unknown-example.org', host: 'example.org', status: 200, backend: v(1) },
      { serverName: 'unknown-example.org', host: 'unknown-example.org', status: 404 },
    ];
    for (const c of cases) {
      it(`SNI ${c.serverName}, Host ${c.host} → ${String(c.status)}`, async () => {
        const r = await tlsRequest({ ...gw, servername: c.serverName, host: c.host, path: '/detect-misdirected-requests', ca: suiteCert.cert, protocol: 'h2' });
        assert.equal(r.status, c.status);
        expectBackend(r, c.backend, `${c.serverName}/${c.host}`);
      });
    }
    it('HTTP/1.1 too: SNI second-example.org, Host example.org → 421', async () => {
      const r = await tlsRequest({ ...gw, servername: 'second-example.org', host: 'example.org', path: '/detect-misdirected-requests', ca: suiteCert.cert });
      assert.equal(r.status, 421);
    });
  });

  describe('HTTPRouteRedirectPortAndScheme, HTTPS listener (the listener\'s own port stands for the suite\'s 443)', () => {
    const want = (path: string, port: number): string =>
      ({
        '/scheme-nil-and-port-nil': `https://example.org:${String(port)}`,
        '/scheme-nil-and-port-443': 'https://example.org',
        '/scheme-nil-and-port-8443': 'https://example.org:8443',
        '/scheme-http-and-port-nil': 'http://example.org',
        '/scheme-http-and-port-80': 'http://example.org',
        '/scheme-http-and-port-8080': 'http://example.org:8080',
      })[path] ?? '';
    for (const { path } of REDIRECTS) {
      it(`${path} → 302 to ${want(path, 443).replace(':443', ':<listener port>')}${path}`, async () => {
        const r = await tlsRequest({ ...gw, servername: 'example.org', path, ca: suiteCert.cert });
        assert.equal(r.status, 302);
        assert.equal(r.headers.location, `${want(path, gw.port)}${path}`);
      });
    }
  });

  it('GatewayWithAttachedRoutes: HTTP listeners count their routes; the HTTPS listener with an unresolved certificate still counts its route, not programmed', async () => {
    const summary = async (name: string): Promise<unknown> =>
      (await listenersOf(name)).map((l) => ({ name: l.name, supportedKinds: l.supportedKinds, attachedRoutes: l.attachedRoutes, conditions: Object.fromEntries(l.conditions.map((c) => [c.type, c.status])) }));
    const kinds = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }];
    assert.deepEqual(await summary('gateway-with-one-attached-route'), [{ name: 'http', supportedKinds: kinds, attachedRoutes: 1, conditions: { Accepted: 'True', Programmed: 'True', ResolvedRefs: 'True', Conflicted: 'False' } }]);
    assert.deepEqual(await summary('gateway-with-two-attached-routes'), [{ name: 'http', supportedKinds: kinds, attachedRoutes: 2, conditions: { Accepted: 'True', Programmed: 'True', ResolvedRefs: 'True', Conflicted: 'False' } }]);
    assert.deepEqual(await summary('unresolved-gateway-with-one-attached-unresolved-route'), [{ name: 'tls', supportedKinds: kinds, attachedRoutes: 1, conditions: { Accepted: 'True', Programmed: 'False', ResolvedRefs: 'False', Conflicted: 'False' } }]);
    const routes = (await api()).httpRoutes;
    const cond = (name: string, type: string): string | undefined => {
      const c = routes.find((r) => r.route.metadata.name === name)?.route.status.parents[0]?.conditions.find((x) => x.type === type);
      return c === undefined ? undefined : `${c.status}/${c.reason}`;
    };
    assert.equal(cond('http-route-not-accepted', 'Accepted'), 'False/NoMatchingListenerHostname');
    assert.equal(cond('http-route-4', 'ResolvedRefs'), 'False/BackendNotFound');
  });

  it('listener conditions per certificateRef (as the suite\'s GatewayInvalidTLSConfiguration and GatewaySecretMissingReferenceGrant)', async () => {
    const got = Object.fromEntries(
      (await listenersOf('sni')).map((l) => [l.name, `${l.conditions.find((c) => c.type === 'ResolvedRefs')?.reason}/${l.conditions.find((c) => c.type === 'Programmed')?.status}/${String(l.attachedRoutes)}`]),
    );
    assert.deepEqual(got, {
      a: 'ResolvedRefs/True/1',
      b: 'ResolvedRefs/True/1',
      'not-granted': 'RefNotPermitted/False/1',
      nonexistent: 'InvalidCertificateRef/False/1',
      'unsupported-group': 'InvalidCertificateRef/False/1',
      'unsupported-kind': 'InvalidCertificateRef/False/1',
      malformed: 'InvalidCertificateRef/False/1',
    });
  });

  it('SNI picks each listener\'s certificate (one from another namespace through a ReferenceGrant); an unknown name and no SNI fail the handshake (no catch-all listener)', async () => {
    const a = await tlsRequest({ ...sni, servername: 'a.sni.test', ca: ca.cert });
    const b = await tlsRequest({ ...sni, servername: 'b.sni.test', ca: ca.cert, protocol: 'h2' });
    assert.equal(a.fingerprint, print(certA));
    assert.equal(b.fingerprint, print(certB));
    assert.equal(a.body.service, v(2));
    assert.equal(b.body.service, v(2));
    for (const servername of ['c.sni.test', 'nope.sni.test', undefined]) {
      const h = await tlsHandshake({ ...sni, ...(servername ? { servername } : {}), alpn: ['http/1.1'], ca: ca.cert });
      assert.ok('error' in h, `handshake for ${String(servername)} must fail`);
    }
  });

  it('ALPN offers h2 and http/1.1; openssl s_client and curl agree', async () => {
    assert.deepEqual(await tlsHandshake({ ...gw, servername: 'example.org', alpn: ['h2', 'http/1.1'], ca: suiteCert.cert }), { alpn: 'h2', fingerprint: print(suiteCert) });
    assert.deepEqual(await tlsHandshake({ ...gw, servername: 'example.org', alpn: ['http/1.1'], ca: suiteCert.cert }), { alpn: 'http/1.1', fingerprint: print(suiteCert) });
    const s = await runCommand('openssl', ['s_client', '-connect', `${sni.address}:${String(sni.port)}`, '-servername', 'b.sni.test', '-alpn', 'h2,http/1.1']);
    assert.match(s.stdout, /ALPN protocol: h2/);
    assert.match(s.stdout, /subject=CN ?= ?b\.sni\.test/);
    const s1 = await runCommand('openssl', ['s_client', '-connect', `${sni.address}:${String(sni.port)}`, '-servername', 'a.sni.test', '-alpn', 'http/1.1']);
    assert.match(s1.stdout, /ALPN protocol: http\/1\.1/);
    assert.match(s1.stdout, /subject=CN ?= ?a\.sni\.test/);
    const curl = await runCommand('curl', ['-sS', '--http2', '-k', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', '--resolve', `example.org:${String(gw.port)}:${gw.address}`, `https://example.org:${String(gw.port)}/`]);
    assert.equal(curl.stdout, '2 200', curl.stderr);
  });

  it('a certificate rotates without dropping open connections (HTTP/1.1 keep-alive and HTTP/2)', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const session = h2Session({ ...sni, servername: 'a.sni.test', ca: ca.cert });
    try {
      const h1Before = await tlsRequest({ ...sni, servername: 'a.sni.test', ca: ca.cert, agent });
      const h2Before = await tlsRequest({ ...sni, servername: 'a.sni.test', ca: ca.cert, protocol: 'h2', session });
      assert.equal(h1Before.fingerprint, print(certA));
      const rotated = signedBy(ca, ['a.sni.test']);
      await fleet?.write('extra.yaml', extra(rotated));
      // serve reloads a change: wait for a NEW handshake to present the new certificate, meanwhile using the
      // open connections (so that no idle timeout closes them); each answer on them still shows the old certificate.
      await waitFor(
        'the rotated certificate',
        async () => {
          const [h1, h2] = await Promise.all([
            tlsRequest({ ...sni, servername: 'a.sni.test', ca: ca.cert, agent }),
            tlsRequest({ ...sni, servername: 'a.sni.test', ca: ca.cert, protocol: 'h2', session }),
          ]);
          assert.equal(h1.fingerprint, print(certA), 'the keep-alive connection is the one opened before the rotation');
          assert.equal(h2.fingerprint, h2Before.fingerprint);
          return (await tlsRequest({ ...sni, servername: 'a.sni.test', ca: ca.cert })).fingerprint === print(rotated) ? true : undefined;
        },
        30_000,
      );
      const h1After = await tlsRequest({ ...sni, servername: 'a.sni.test', ca: ca.cert, agent });
      const h2After = await tlsRequest({ ...sni, servername: 'a.sni.test', ca: ca.cert, protocol: 'h2', session });
      assert.equal(h1After.status, 200);
      assert.equal(h2After.status, 200);
      assert.equal(h1After.fingerprint, print(certA), 'the keep-alive connection is the one opened before the rotation');
      assert.equal(h2After.fingerprint, h2Before.fingerprint);
    } finally {
      session.close();
      agent.destroy();
    }
  });

  it('lintas get gateways -o wide shows each certificate\'s notAfter', async () => {
    const r = await lintas(['get', 'gateways', '-n', INFRA_NS, '-o', 'wide', '--config', fleet?.fleetDir ?? '', '--server', fleet?.serve.admin ?? ''], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => / sni /.test(` ${l} `));
    const notAfterB = new X509Certificate(certB.cert).validToDate.toISOString();
    assert.ok(line?.includes(`b=${notAfterB}`), `row: ${String(line)}`);
    assert.match(r.stdout.split('\n')[0] ?? '', /CERT-NOT-AFTER/);
  });

  it('certificate expiry is a metric per Secret (sni-b expires in 10 days: inside the 14-day alert threshold)', async () => {
    const text = await (await fetch(`${fleet?.serve.admin}/metrics`)).text();
    const seconds = (secret: string, ns: string): number | undefined => {
      const m = new RegExp(`^lintas_gateway_certificate_expiry_timestamp_seconds\\{cluster="a",namespace="${ns}",secret="${secret}"\\} (\\S+)$`, 'm').exec(text);
      return m?.[1] === undefined ? undefined : Number(m[1]);
    };
    assert.equal(seconds('sni-b', WEB_NS), Date.parse(new X509Certificate(certB.cert).validToDate.toISOString()) / 1000);
    assert.equal(seconds('tls-validity-checks-certificate', INFRA_NS), Date.parse(new X509Certificate(suiteCert.cert).validToDate.toISOString()) / 1000);
    assert.equal(seconds('not-granted', WEB_NS), undefined, 'a certificate no listener may use is not reported');
  });

  it('the access log records HTTPS requests like HTTP ones (entry cluster, route, destination)', async () => {
    await tlsRequest({ ...gw, servername: 'example.org', path: '/logged-https', ca: suiteCert.cert, protocol: 'h2' });
    const line = await waitFor('the access log line', () => {
      const l = readFileSync(fleet?.serve.accessLog ?? '', 'utf8').split('\n').find((x) => x.includes('"path":"/logged-https"'));
      return l === undefined ? undefined : (JSON.parse(l) as Record<string, unknown>);
    });
    assert.equal(line.status, 200);
    assert.equal(line.entry_cluster, 'a');
    assert.equal(line.destination_cluster, 'a');
    assert.equal(line.route, `${INFRA_NS}/httproute-https-test/0`);
    assert.equal(line.listener, 'https');
  });
});
