import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { waitFor } from '../../../test/wait.ts';
import { createLogger } from '../../observability/index.ts';
import type { AuditDraft } from '../../store/index.ts';
import { httpProbe, startGslbRunner, type GslbRunner, type GslbSources } from './runner.ts';
import { gslbTestSources } from './test-fleet.ts';
import type { GslbResult, ProbeTarget } from './types.ts';

const POLICY = `
apiVersion: lintas.dev/v1alpha1
kind: DNSPolicy
metadata: {name: public, namespace: lintas-gateway}
spec:
  targetRefs: [{kind: Gateway, name: regional}]
  zones: [{name: example.com, nameServers: [{name: ns1.example.com, addresses: [127.0.0.1]}]}]
  ttlSeconds: 5
  healthCheck: {interval: 20ms, timeout: 10ms, failureThreshold: 3}
`;

const log = createLogger({ level: 'error', write: () => undefined });

function eligible(r: GslbResult | undefined, hostname: string): string[] | undefined {
  return r?.ir.zones.flatMap((z) => z.hosts).find((h) => h.hostname === hostname)?.eligible.slice();
}

describe('GSLB runner', () => {
  const runners: GslbRunner[] = [];
  after(() => runners.forEach((r) => r.stop()));

  it('takes a cluster out after failureThreshold failed probes, puts it back, and audits each move with the evidence', async () => {
    let sources: GslbSources = gslbTestSources(POLICY);
    const down = new Set<string>();
    const sent: ProbeTarget[] = [];
    const audits: AuditDraft[] = [];
    let latest: GslbResult | undefined;
    const runner = startGslbRunner({
      log,
      sources: () => sources,
      onChange: (r) => (latest = r),
      audit: async (ds) => audits.push(...ds),
      instance: 'jkt',
      tickMs: 5,
      probe: async (t) => {
        sent.push(t);
        return down.has(t.cluster) ? { ok: false, detail: 'ECONNREFUSED' } : { ok: true, detail: '200' };
      },
    });
    runners.push(runner);
    const all = ['jkt-prod-1', 'jkt-prod-2', 'sgp-prod-1', 'tyo-prod-1'];
    await waitFor('every cluster probed', () => (all.every((c) => sent.some((t) => t.cluster === c && t.hostname === 'cases.example.com')) ? true : undefined));
    assert.deepEqual(eligible(latest, 'cases.example.com'), all);
    const serial = latest?.ir.zones[0]?.soa.serial ?? 0;

    down.add('sgp-prod-1');
    await waitFor('sgp-prod-1 out of cases.example.com', () => (eligible(latest, 'cases.example.com')?.includes('sgp-prod-1') === false ? true : undefined));
    assert.ok((latest?.ir.zones[0]?.soa.serial ?? 0) > serial, 'the SOA serial grows with the change');
    await waitFor('both hostnames audited', () => (audits.length >= 2 ? true : undefined));
    const cases = audits.find((a) => a.target === 'dns/cases.example.com');
    assert.equal(cases?.actor, 'system:gslb@jkt');
    assert.equal(cases?.action, 'DnsAnswersChanged');
    assert.deepEqual(cases?.before, { clusters: all, noHealthy: false });
    assert.deepEqual(cases?.after, { clusters: ['jkt-prod-1', 'jkt-prod-2', 'tyo-prod-1'], noHealthy: false });
    assert.equal(cases?.reason, 'sgp-prod-1 removed: probe: GET http://127.2.255.1:8080/healthz (Host: cases.example.com): ECONNREFUSED (3 failures in a row, threshold 3)');

    down.delete('sgp-prod-1');
    await waitFor('sgp-prod-1 back', () => (eligible(latest, 'cases.example.com')?.includes('sgp-prod-1') === true ? true : undefined));
    await waitFor('the way back audited', () => (audits.some((a) => a.target === 'dns/cases.example.com' && a.reason === 'sgp-prod-1 added: every check passes') ? true : undefined));

    // A drain and a governed failover move the answers too, each an audit record.
    sources = { ...sources, drained: ['tyo-prod-1'], ownership: { 'cases/cases': { epoch: 2, moved: [{ from: 'jkt-prod-2', to: 'jkt-prod-1' }] } } };
    runner.refresh();
    assert.deepEqual(eligible(latest, 'cases.example.com'), ['jkt-prod-1', 'sgp-prod-1']);
    await waitFor('the drain audited', () => audits.find((a) => a.target === 'dns/cases.example.com' && String(a.reason).includes('tyo-prod-1 removed')));
    const last = audits.filter((a) => a.target === 'dns/cases.example.com').at(-1);
    assert.equal(last?.reason, 'jkt-prod-2 removed: failover: ownership moved to jkt-prod-1 (TrafficPolicy cases/cases, epoch 2); tyo-prod-1 removed: drain: drained (lintas drain)');
    assert.ok(runner.moves().length >= 4);
  });

  it('probes through the Gateway: GET on the health path with the hostname as Host; 2xx and 3xx pass', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.headers.host ?? ''} ${req.url ?? ''}`);
      res.statusCode = req.url === '/down' ? 503 : req.url === '/moved' ? 302 : 200;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: false });
    const probe = httpProbe(agent);
    const t = (path: string): ProbeTarget => ({ key: 'k', hostname: 'cases.example.com', cluster: 'c', address: '127.0.0.1', port, path, intervalMs: 1000, timeoutMs: 1000, failureThreshold: 1, successThreshold: 1 });
    const signal = new AbortController().signal;
    assert.deepEqual(await probe(t('/healthz'), signal), { ok: true, detail: '200' });
    assert.deepEqual(await probe(t('/moved'), signal), { ok: true, detail: '302' });
    assert.deepEqual(await probe(t('/down'), signal), { ok: false, detail: '503' });
    assert.deepEqual(seen, ['GET cases.example.com /healthz', 'GET cases.example.com /moved', 'GET cases.example.com /down']);
    const refused = await probe({ ...t('/'), port: 1 }, signal);
    assert.deepEqual(refused, { ok: false, detail: 'ECONNREFUSED' });
    agent.destroy();
  });
});
