/**
 * HTTPS listeners on a `lintas gateway` process (issue 15): the control plane runs no gateway of its
 * own, and the listener certificate's key material reaches the cluster's gateway on its own config
 * stream only. The gateway terminates TLS with the Secret's certificate (HTTP/1.1 and ALPN h2) and
 * routes; no admin route the control plane serves carries the private key.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGatewayRole, type GatewayRole } from '../src/dataplanes/index.ts';
import { createAuthenticator, createLogger } from '../src/observability/index.ts';
import { startServeRuntime, type ServeRuntime } from '../src/runtime/index.ts';
import { openStore, type LintasStore } from '../src/store/index.ts';
import { testRuntimeConfig } from '../src/runtime/test-runtime.ts';
import { freePort } from './gateway-fleet.ts';
import { CLUSTERS, ENTRY, GATEWAY_IP, NS, startBackend, writeFleet, type Backend } from './policy-fleet.ts';
import { opensslMissing, selfSigned, tlsSecret } from './tls-certs.ts';
import { tlsRequest } from './tls-client.ts';
import { waitFor } from './wait.ts';

const GATEWAY_TOKEN = 'https-role-e2e-gateway-0123456789abcdef';
const VIEWER_TOKEN = 'https-role-e2e-viewer-0123456789abcdef';

describe('an HTTPS listener served by a lintas gateway process', { skip: opensslMissing() ?? false, timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-role-https-'));
  const cert = selfSigned(['secure.test']);
  const errors: string[] = [];
  let backend: Backend;
  let store: LintasStore;
  let runtime: ServeRuntime;
  let role: GatewayRole;
  let httpsPort = 0;

  before(async () => {
    const prefix = CLUSTERS.find((c) => c.name === ENTRY)?.prefix ?? '';
    const backendPort = await freePort(`${prefix}.32.1`);
    httpsPort = await freePort(GATEWAY_IP);
    backend = await startBackend(ENTRY, `${prefix}.32.1`, backendPort);
    writeFleet(join(root, 'fleet'), {
      gatewayPort: await freePort(GATEWAY_IP),
      backendPort,
      https: { port: httpsPort, secret: tlsSecret(NS, 'secure-tls', cert) },
      services: [{ name: 'secure', endpoints: { [ENTRY]: [`${prefix}.32.1`] } }],
      policies: [],
    });
    store = await openStore({ dataDir: root });
    const log = createLogger({ level: 'error', write: (t) => void errors.push(t) });
    runtime = await startServeRuntime({
      ...testRuntimeConfig(join(root, 'fleet'), join(root, '.lintas'), store, log),
      embeddedGateways: 'none',
      auth: createAuthenticator({
        tokens: [
          { token: GATEWAY_TOKEN, subject: 'gateway-jkt', roles: [`gateway:${ENTRY}`] },
          { token: VIEWER_TOKEN, subject: 'vera', roles: ['viewer'] },
        ],
      }),
    });
    // Two workers: the PEM must reach every worker thread, not just the role's.
    role = await startGatewayRole({ cluster: ENTRY, controlPlaneUrls: [runtime.adminUrl], token: GATEWAY_TOKEN, log, write: () => undefined, backoff: { initialMs: 20, maxMs: 200 }, workers: 2 });
  });

  after(async () => {
    await role.close();
    await runtime.stop();
    await store.close();
    await backend.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('terminates TLS with the Secret\'s certificate and routes, over HTTP/1.1 and h2', async () => {
    await waitFor('the HTTPS listener bound by the gateway process', () => (role.status().bound.includes(`${GATEWAY_IP}:${String(httpsPort)}`) ? true : undefined), 30_000);
    const fingerprint = new X509Certificate(cert.cert).fingerprint256;
    for (const protocol of ['http/1.1', 'h2'] as const) {
      const reply = await waitFor(`an answer over ${protocol}`, async () => {
        const r = await tlsRequest({ address: GATEWAY_IP, port: httpsPort, servername: 'secure.test', path: '/', ca: cert.cert, protocol }).catch(() => undefined);
        return r?.status === 200 ? r : undefined;
      }, 30_000);
      assert.equal(reply.fingerprint, fingerprint);
      assert.equal(reply.body['cluster'], ENTRY);
      assert.equal(reply.alpn, protocol === 'h2' ? 'h2' : 'http/1.1');
    }
    // New connections are spread over both workers by the kernel: every one terminates TLS. The kernel
    // only spreads over the workers that have bound, and the second may bind a moment after the first
    // (under load, after a dozen requests): keep making new connections until both have served, as of
    // the workers' next report (read once a second).
    await waitFor('both workers served HTTPS requests', async () => {
      assert.equal((await tlsRequest({ address: GATEWAY_IP, port: httpsPort, servername: 'secure.test', path: '/', ca: cert.cert })).status, 200);
      return role.status().workers?.length === 2 && role.status().workers?.every((w) => w.requests > 0) ? true : undefined;
    }, 30_000);
  });

  it('keeps the private key off every admin route the control plane serves', async () => {
    const keyLine = cert.key.split('\n').find((l) => l.length > 40) ?? cert.key;
    const digest = createHash('sha256').update(cert.key).digest('hex');
    for (const path of ['/api/v1/gateway', '/api/v1/dataplanes', '/api/v1/mcs', '/api/v1/console/snapshot', '/metrics']) {
      const res = await fetch(`${runtime.adminUrl}${path}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
      const body = await res.text();
      assert.equal(res.status, 200, path);
      assert.ok(!body.includes('PRIVATE KEY') && !body.includes(keyLine) && !body.includes(digest), `${path} carries no key material`);
    }
  });
});
