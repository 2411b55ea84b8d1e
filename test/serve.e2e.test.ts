/**
 * End to end: `lintas serve` on a temp copy of the capstone fleet, queried with
 * Node's real DNS resolver and over HTTP, then changed on disk: the answers
 * follow the files without a restart. Every wait is bounded; nothing asserts
 * on wall-clock time.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/cli/main.ts';
import { waitFor } from './wait.ts';

const CAPSTONE = fileURLToPath(new URL('../examples/capstone', import.meta.url));
describe('lintas serve (end to end)', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-serve-'));
  const fleet = join(root, 'fleet');
  // Without the capstone's regional Gateways: this test is about MCS and DNS, and must not hold
  // 127.N.255.1:8080, which the capstone e2e test (lintas up) binds.
  cpSync(CAPSTONE, fleet, { recursive: true, filter: (src) => !src.endsWith('gateway.yaml') && !src.endsWith('httproutes.yaml') });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('serves MCS DNS for the capstone, follows file edits, and reports readiness and metrics', async () => {
    const err: string[] = [];
    const controller = new AbortController();
    const io = { out: () => undefined, err: (t: string) => void err.push(t), env: {}, cwd: root };
    const exited = run(['serve', '--config', fleet, '--dns', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--state-dir', join(root, '.lintas'), '--log-level', 'warn'], io, controller.signal);
    try {
      const banner = await waitFor('the serve banner', () => err.find((l) => l.startsWith('lintas serve:')));
      const dnsPort = Number(/udp\+tcp 127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);
      const admin = /admin (http:\/\/\S+)/.exec(banner)?.[1] ?? '';
      await waitFor('/readyz 200', async () => ((await fetch(`${admin}/readyz`)).status === 200 ? true : undefined));

      const resolver = new Resolver({ timeout: 2000, tries: 2 });
      resolver.setServers([`127.0.0.1:${dnsPort}`]);
      const ips = await resolver.resolve4('public-case-api.cases.svc.clusterset.local');
      assert.equal(ips.length, 1);
      assert.match(ips[0] ?? '', /^127\.250\./, 'a ClusterSetIP from clusterSetIPRange 127.250.0.0/16');
      const srv = await resolver.resolveSrv('_http._tcp.case-search-api.search.svc.clusterset.local');
      assert.deepEqual(srv.map((r) => r.port), [8080]);
      assert.deepEqual(await resolver.resolveTxt('dns-version.clusterset.local'), [['1.0.0']]);

      // Two undecodable datagrams, then a query from the same socket: once it is answered, both were counted.
      const udp = dgram.createSocket('udp4');
      const answered = new Promise<void>((resolve) => udp.once('message', () => resolve()));
      for (const junk of [Buffer.from([0xde, 0xad]), Buffer.alloc(40, 0xff)]) udp.send(junk, dnsPort, '127.0.0.1');
      udp.send(Buffer.from('abcd01000001000000000000076578616d706c6503636f6d0000010001', 'hex'), dnsPort, '127.0.0.1');
      await answered;
      udp.close();

      const metrics = await (await fetch(`${admin}/metrics`)).text();
      assert.match(metrics, /^lintas_dns_malformed_total 2$/m);
      assert.match(metrics, /^lintas_dns_tcp_connections_closed_total\{reason="message_timeout"\} 0$/m);
      assert.match(metrics, /^lintas_mcs_serviceexport_ready\{cluster="jkt-prod-1"\} 3$/m);
      assert.match(metrics, /^lintas_dns_queries_total\{type="A",rcode="NOERROR",transport="udp"\} [1-9]/m);

      // The CLI reads computed objects from the running server.
      const out: string[] = [];
      const code = await run(['get', 'svcim', '-n', 'cases', '--cluster', 'tyo-prod-1', '--server', admin, '--config', fleet], { ...io, out: (t) => void out.push(t) });
      assert.equal(code, 0);
      assert.match(out.join('\n'), new RegExp(`public-case-api\\s+ClusterSetIP\\s+${(ips[0] ?? '').replaceAll('.', '\\.')}\\s`));

      // Unexport public-case-api everywhere: the import, and its DNS name, go away without a restart.
      for (const cluster of ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1']) {
        const file = join(fleet, 'clusters', cluster, 'serviceexports.yaml');
        const docs = readFileSync(file, 'utf8').split(/^---$/m).filter((d) => !/name: public-case-api/.test(d));
        writeFileSync(file, docs.join('---'));
      }
      await waitFor('NXDOMAIN after unexport', async () => {
        try {
          await resolver.resolve4('public-case-api.cases.svc.clusterset.local');
          return undefined;
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === 'ENOTFOUND' ? true : undefined;
        }
      });
      assert.equal((await resolver.resolve4('case-search-api.search.svc.clusterset.local')).length, 1, 'other imports stay');

      // The edit was timed from file event to DNS, and endpoint ages are reported per source cluster.
      const after = await (await fetch(`${admin}/metrics`)).text();
      assert.match(after, /^lintas_mcs_propagation_lag_seconds_count [1-9]/m);
      assert.match(after, /^lintas_mcs_imported_endpoint_age_seconds\{source_cluster="sgp-prod-1"\} \d/m);
      assert.match(after, /^lintas_mcs_oldest_imported_endpoint_age_seconds \d/m);
    } finally {
      controller.abort();
    }
    assert.equal(await exited, 0);
  });
});
