/**
 * TrafficPolicy behaviour on an HTTPS listener (issue 17: ownership, failover,
 * affinity and the access log hold on HTTPS and HTTP/2 as on HTTP), through a
 * running `lintas serve` over the three-cluster policy fleet with an HTTPS
 * listener next to the HTTP one: Owner-mode mutations go to their owner and
 * fail closed when it has no healthy endpoint, reads go to the nearest region,
 * session affinity keeps a session on one endpoint, and the access log
 * carries the policy fields, over HTTP/2 (ALPN h2) and HTTP/1.1 on TLS.
 * Addresses 127.41-43.30.x (the policy fleet's ranges, case numbers past the
 * other policy tests').
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, removeDir, startServe, type Serve } from './gateway-fleet.ts';
import { CLUSTERS, GATEWAY_IP, NS, startBackend, trafficPolicy, writeFleet, type Backend, type ClusterName, type FleetModel } from './policy-fleet.ts';
import { opensslMissing, selfSigned, tlsSecret } from './tls-certs.ts';
import { h2Session, tlsRequest } from './tls-client.ts';
import { waitFor } from './wait.ts';

const JKT: ClusterName = 'jkt-prod-1';
const SGP: ClusterName = 'sgp-prod-1';
const TYO: ClusterName = 'tyo-prod-1';
const addr = (cluster: ClusterName, i: number, n: number): string => `${CLUSTERS.find((c) => c.name === cluster)?.prefix ?? ''}.${String(i)}.${String(n)}`;

describe('TrafficPolicy on an HTTPS listener through lintas serve', { skip: opensslMissing() ?? false, timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-https-policy-'));
  const fleetDir = join(root, 'fleet');
  const cert = selfSigned(['owned-tls.test', 'affinity-tls.test']);
  const backends: Backend[] = [];
  let serve: Serve | undefined;
  let httpsPort = 0;

  before(async () => {
    const backendPort = await freePort('127.41.30.1');
    httpsPort = await freePort(GATEWAY_IP);
    for (const c of [JKT, SGP, TYO]) backends.push(await startBackend(c, addr(c, 30, 1), backendPort));
    for (const n of [2, 3, 4]) backends.push(await startBackend(JKT, addr(JKT, 31, n), backendPort));
    const model: FleetModel = {
      gatewayPort: await freePort(GATEWAY_IP),
      backendPort,
      https: { port: httpsPort, secret: tlsSecret(NS, 'edge-tls', cert) },
      services: [
        { name: 'owned-tls', endpoints: { [JKT]: [addr(JKT, 30, 1)], [SGP]: [addr(SGP, 30, 1)], [TYO]: [addr(TYO, 30, 1)] } },
        { name: 'affinity-tls', endpoints: { [JKT]: [addr(JKT, 31, 2), addr(JKT, 31, 3), addr(JKT, 31, 4)] } },
      ],
      policies: [
        trafficPolicy('owned-tls', ['owned-tls'], {
          locality: { mode: 'Owner' },
          requestClasses: { mutation: { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], requireIdempotencyKey: true } },
          ownership: { key: { header: 'X-Case-Id' }, mapRef: { kind: 'OwnershipMap', name: 'case-owners-tls' }, reads: 'Nearest', onOwnerUnavailable: 'FailClosed' },
        }),
        {
          apiVersion: 'lintas.dev/v1alpha1',
          kind: 'OwnershipMap',
          metadata: { name: 'case-owners-tls', namespace: NS },
          spec: { rules: [{ prefix: 'JKT-', cluster: JKT }, { prefix: 'SGP-', cluster: SGP }, { prefix: 'TYO-', cluster: TYO }], default: { hash: 'Rendezvous', clusters: [JKT, SGP, TYO] } },
        },
        trafficPolicy('affinity-tls', ['affinity-tls'], { sessionAffinity: { header: 'X-Session' } }),
      ],
    };
    writeFleet(fleetDir, model);
    serve = await startServe(root, fleetDir);
  });

  after(async () => {
    try {
      if (serve !== undefined) assert.equal(await serve.stop(), 0);
    } finally {
      await Promise.all(backends.map((b) => b.close()));
      removeDir(root);
    }
  });

  const gw = (): { address: string; port: number; ca: string } => ({ address: GATEWAY_IP, port: httpsPort, ca: cert.cert });

  it('Owner mode over HTTP/2: mutations reach their owner, reads the nearest region; the access log says so', async () => {
    const session = h2Session({ ...gw(), servername: 'owned-tls.test' });
    try {
      for (const [id, owner] of [['SGP-1', SGP], ['TYO-7', TYO], ['JKT-3', JKT]] as const) {
        const write = await tlsRequest({ ...gw(), servername: 'owned-tls.test', protocol: 'h2', session, method: 'POST', path: '/cases', headers: { 'x-case-id': id, 'idempotency-key': `k-${id}` }, body: '{}' });
        assert.equal(write.status, 200);
        assert.equal(write.body.cluster, owner, `POST ${id} lands on its owner`);
        const read = await tlsRequest({ ...gw(), servername: 'owned-tls.test', protocol: 'h2', session, path: `/cases/${id}`, headers: { 'x-case-id': id } });
        assert.equal(read.body.cluster, JKT, `GET ${id} reads the nearest region`);
      }
      const missingKey = await tlsRequest({ ...gw(), servername: 'owned-tls.test', protocol: 'h2', session, method: 'POST', path: '/cases', headers: { 'x-case-id': 'SGP-2' }, body: '{}' });
      assert.equal(missingKey.status, 428, 'a mutation without Idempotency-Key is refused on HTTPS too');
    } finally {
      session.close();
    }
    const line = await waitFor('the access log line of POST SGP-1', () => {
      const l = readFileSync(serve?.accessLog ?? '', 'utf8').split('\n').find((x) => x.includes('"method":"POST"') && x.includes('"authority":"owned-tls.test"') && x.includes('"owner":"sgp-prod-1"'));
      return l === undefined ? undefined : (JSON.parse(l) as Record<string, unknown>);
    });
    assert.equal(line.destination_cluster, SGP);
    assert.equal(line.routing_mode, 'Owner');
    assert.equal(line.request_class, 'mutation');
    assert.equal(line.listener, 'https');
    assert.equal(line.entry_cluster, JKT);
  });

  it('Owner mode fails closed over HTTPS when the owner has no endpoint (503 owner_unavailable), never another region', async () => {
    const sgp = backends.find((b) => b.cluster === SGP && b.address === addr(SGP, 30, 1));
    await sgp?.close();
    // Until the gateway learns the endpoint is dead the answer is a connect failure on the owner; either way never another cluster.
    const answer = await waitFor('the fail-closed answer', async () => {
      const r = await tlsRequest({ ...gw(), servername: 'owned-tls.test', method: 'POST', path: '/cases', headers: { 'x-case-id': 'SGP-9', 'idempotency-key': 'k-9' }, body: '{}' });
      assert.equal(r.body.cluster, undefined, `an SGP-owned write must not land on ${String(r.body.cluster)}`);
      return r.status === 503 ? r : undefined;
    });
    assert.match(answer.text, /owner_unavailable/);
  });

  it('session affinity holds over HTTPS (HTTP/1.1 and HTTP/2 alike)', async () => {
    const seen = new Map<string, Set<string>>();
    for (const session of ['alpha', 'beta', 'gamma']) {
      for (let i = 0; i < 6; i++) {
        const r = await tlsRequest({ ...gw(), servername: 'affinity-tls.test', protocol: i % 2 === 0 ? 'h2' : 'http/1.1', path: '/s', headers: { 'x-session': session } });
        assert.equal(r.status, 200);
        const set = seen.get(session) ?? new Set<string>();
        set.add(String(r.body.address));
        seen.set(session, set);
      }
    }
    for (const [session, addresses] of seen) assert.equal(addresses.size, 1, `session ${session} stays on one endpoint: ${[...addresses].join(', ')}`);
  });
});
