/**
 * BackendTLSPolicy through `lintas serve`: the gateway re-encrypts to HTTPS
 * backends (the conformance echoes' TLS port, certificates made at run time by
 * test CAs), with the policy's hostname as SNI and for the name check, a CA
 * from a ConfigMap, and subjectAltNames (URI and Hostname). Table:
 * - the right CA and hostname: 200, the backend saw the SNI;
 * - a URI SAN (SPIFFE ID) the certificate carries: 200;
 * - a Hostname SAN other than the SNI, which the certificate carries: 200;
 * - a backend whose certificate another CA signed: 502, the backend saw nothing;
 * - a certificate for another name (SAN mismatch): 502, the backend saw nothing;
 * - a policy whose only CA ref is missing: 503, nothing sent (no plaintext);
 * and the policies' ancestor status (Accepted / ResolvedRefs with the spec's
 * reasons) from the admin API. Loopback 127.141.0.0/16.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EchoReply } from './conformance-echo.ts';
import { conformanceMissing, INFRA_NS, startConformanceFleet, type ConformanceFleet } from './conformance-fleet.ts';
import { httpRoute, removeDir, request } from './gateway-fleet.ts';
import { opensslMissing, signedBy, testCa } from './tls-certs.ts';
import { waitFor } from './wait.ts';

const SPIFFE = 'spiffe://cluster.local/ns/gateway-conformance-infra/sa/infra-backend-v1';

/** A Service port re-encrypted by a policy (the echoes' TLS port is targetPort 8443). */
const HTTPS_PORTS = [
  { name: 'https', protocol: 'TCP', port: 443, targetPort: 8443 },
  { name: 'https-alt', protocol: 'TCP', port: 444, targetPort: 8443 },
];

function policy(name: string, service: string, sectionName: string, validation: object): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: INFRA_NS },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: service, sectionName }], validation },
  };
}

const caRef = [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }];

/** The table: path → backend port, policy, expected status, and whether the backend may see the request. */
const CASES = [
  { path: '/v1', service: 'infra-backend-v1', port: 443, status: 200, reaches: true, policy: policy('v1', 'infra-backend-v1', 'https', { caCertificateRefs: caRef, hostname: 'abc.example.com' }) },
  { path: '/v1-uri', service: 'infra-backend-v1', port: 444, status: 200, reaches: true, policy: policy('v1-uri', 'infra-backend-v1', 'https-alt', { caCertificateRefs: caRef, hostname: 'abc.example.com', subjectAltNames: [{ type: 'URI', uri: SPIFFE }] }) },
  { path: '/v2-wrong-ca', service: 'infra-backend-v2', port: 443, status: 502, reaches: false, policy: policy('v2-wrong-ca', 'infra-backend-v2', 'https', { caCertificateRefs: caRef, hostname: 'abc.example.com' }) },
  { path: '/v2-invalid', service: 'infra-backend-v2', port: 444, status: 503, reaches: false, policy: policy('v2-invalid', 'infra-backend-v2', 'https-alt', { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'no-such-ca' }], hostname: 'abc.example.com' }) },
  { path: '/v3-mismatch', service: 'infra-backend-v3', port: 443, status: 502, reaches: false, policy: policy('v3-mismatch', 'infra-backend-v3', 'https', { caCertificateRefs: caRef, hostname: 'abc.example.com' }) },
  { path: '/v3-san', service: 'infra-backend-v3', port: 444, status: 200, reaches: true, policy: policy('v3-san', 'infra-backend-v3', 'https-alt', { caCertificateRefs: caRef, hostname: 'abc.example.com', subjectAltNames: [{ type: 'Hostname', hostname: 'other.example.com' }] }) },
] as const;

describe('BackendTLSPolicy through lintas serve', { skip: conformanceMissing() ?? opensslMissing() ?? false, timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-backend-tls-'));
  let fleet: ConformanceFleet | undefined;
  let gw = '';

  before(async () => {
    const ca = testCa('backend CA');
    const otherCa = testCa('another CA');
    const route = httpRoute(INFRA_NS, 'backend-tls', {
      parentRefs: [{ name: 'same-namespace' }],
      hostnames: ['abc.example.com'],
      rules: CASES.map((c) => ({ matches: [{ path: { type: 'PathPrefix', value: c.path } }], backendRefs: [{ name: c.service, port: c.port }] })),
    });
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'backend-ca', namespace: INFRA_NS }, data: { 'ca.crt': ca.cert } };
    fleet = await startConformanceFleet(root, {
      net: '127.141',
      tests: [],
      extra: [route, configMap, ...CASES.map((c) => c.policy)],
      echoTls: {
        [`${INFRA_NS}/infra-backend-v1`]: signedBy(ca, ['abc.example.com'], { uris: [SPIFFE] }),
        [`${INFRA_NS}/infra-backend-v2`]: signedBy(otherCa, ['abc.example.com']),
        [`${INFRA_NS}/infra-backend-v3`]: signedBy(ca, ['other.example.com']),
      },
      // The suite's port may be unnamed; with two ports more, every port needs a name.
      edit: (o) => (o.kind === 'Service' && /^infra-backend-v[123]$/.test(o.metadata.name) ? { ...o, spec: { ...o.spec, ports: [...((o.spec?.ports as { name?: string }[] | undefined) ?? []).map((p, i) => ({ name: `port-${String(i)}`, ...p })), ...HTTPS_PORTS] } } : o),
    });
    gw = fleet.gateway('same-namespace', 80).url;
  });
  after(async () => {
    try {
      await fleet?.stop();
    } finally {
      removeDir(root);
    }
  });

  for (const c of CASES) {
    it(`${c.path}: ${String(c.status)}${c.reaches ? '' : ', and the backend saw nothing'}`, async () => {
      const r = await request(`${gw}${c.path}/x`, { host: 'abc.example.com' });
      assert.equal(r.status, c.status, r.text);
      const seen = fleet?.echo(c.service).seen.filter((s) => s.path.startsWith(c.path)) ?? [];
      if (c.reaches) {
        const body = r.body as Partial<EchoReply>;
        assert.equal(body.port, 'https', 'the request reached the TLS port');
        assert.equal(body.sni, 'abc.example.com', 'the policy hostname is the SNI');
        assert.equal(body.host, 'abc.example.com', 'the Host header is the client’s');
      } else {
        assert.deepEqual(seen, [], 'no request reached the backend, in TLS or in plaintext');
      }
    });
  }

  it('the access log says why: UF for a refused certificate', async () => {
    const line = await waitFor('the access log line', () => {
      const l = readFileSync(fleet?.serve.accessLog ?? '', 'utf8').split('\n').find((x) => x.includes('"path":"/v2-wrong-ca/x"'));
      return l === undefined ? undefined : (JSON.parse(l) as Record<string, unknown>);
    });
    assert.equal(line.status, 502);
    assert.match(String(line.response_flags), /UF/);
  });

  it('status per ancestor Gateway: Accepted and ResolvedRefs with the spec reasons', async () => {
    type Api = { backendTLSPolicies: { policy: { metadata: { name: string }; status: { ancestors: { ancestorRef: { name: string }; conditions: { type: string; status: string; reason: string }[] }[] } } }[] };
    const api = (await (await fetch(`${fleet?.serve.admin ?? ''}/api/v1/gateway`)).json()) as Api;
    const table = Object.fromEntries(
      api.backendTLSPolicies.map((p) => [p.policy.metadata.name, p.policy.status.ancestors.map((a) => `${a.ancestorRef.name}: ${a.conditions.map((x) => `${x.type}=${x.status}/${x.reason}`).join(' ')}`)]),
    );
    const ok = ['same-namespace: Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs'];
    assert.deepEqual(table, {
      v1: ok,
      'v1-uri': ok,
      'v2-wrong-ca': ok,
      'v2-invalid': ['same-namespace: Accepted=False/NoValidCACertificate ResolvedRefs=False/InvalidCACertificateRef'],
      'v3-mismatch': ok,
      'v3-san': ok,
    });
  });
});
