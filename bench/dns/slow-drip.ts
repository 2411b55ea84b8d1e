/**
 * Slow-drip probe of DNS over TCP (issue 14 item 4): starts the DNS server
 * in this process with its default limits, opens `--connections` TCP
 * connections spread over `--sources` loopback source addresses (127.0.1.x),
 * each announcing a full-size message and then sending one byte every
 * `--drip-ms` (and reconnecting when the server closes it, as an attacker
 * would), and meanwhile runs `dig +tcp` once a second from 127.0.0.1.
 * Prints how many digs were answered, and how the server treated the drippers.
 *
 * Bounded: the whole run lasts `--seconds` (plus dig's 2 s timeout), every
 * socket is destroyed at the end, and only loopback is used.
 *
 * Usage: node --import tsx bench/dns/slow-drip.ts [--connections 1024]
 *          [--sources 64] [--drip-ms 2000] [--seconds 12]
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { parseArgs, promisify } from 'node:util';
import { startDnsServer } from '../../src/dataplanes/dns/index.ts';
import { indexZone } from '../../src/dataplanes/dns/zone-index.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { benchOptionChecks } from '../lib/options.ts';

const USAGE = 'usage: node --import tsx bench/dns/slow-drip.ts [--connections 1024] [--sources 64] [--drip-ms 2000] [--seconds 12]';
const { intOption } = benchOptionChecks('slow-drip', USAGE);
const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1024' },
    sources: { type: 'string', default: '64' },
    'drip-ms': { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '12' },
  },
});
const connections = intOption(values.connections, 'connections', 1, 4096);
const sources = intOption(values.sources, 'sources', 1, 250);
const dripMs = intOption(values['drip-ms'], 'drip-ms', 10, 60_000);
const seconds = intOption(values.seconds, 'seconds', 1, 120);

const server = await startDnsServer({
  address: '127.0.0.1',
  port: 0,
  log: silentLogger,
  getIndex: () => indexZone({ zone: 'clusterset.local', ttlSeconds: 5, services: [{ namespace: 'default', name: 'hello', type: 'ClusterSetIP', ips: ['10.42.0.10'], ports: [], endpoints: [] }] }),
});
const deadline = Date.now() + seconds * 1000;
const open = new Set<net.Socket>();
let closedByServer = 0;
let opened = 0;

/** One dripper: a 2-byte length of 65535, then one byte per tick; reconnects when closed before the end. */
function drip(source: string): void {
  if (Date.now() >= deadline) return;
  const socket = net.connect({ host: '127.0.0.1', port: server.tcpPort, localAddress: source });
  opened += 1;
  open.add(socket);
  let timer: NodeJS.Timeout | undefined;
  socket.on('error', () => undefined);
  socket.once('connect', () => {
    socket.write(Buffer.from([0xff, 0xff]));
    timer = setInterval(() => socket.write(Buffer.from([0])), dripMs);
  });
  socket.once('close', () => {
    clearInterval(timer);
    open.delete(socket);
    if (Date.now() < deadline) {
      closedByServer += 1;
      setTimeout(() => drip(source), 50);
    }
  });
}

for (let i = 0; i < connections; i += 1) drip(`127.0.1.${String(1 + (i % sources))}`);
// Let the connections land before the first dig.
await new Promise((resolve) => setTimeout(resolve, 1000));

const digs: boolean[] = [];
while (Date.now() < deadline) {
  const started = Date.now();
  try {
    const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(server.tcpPort), '+tcp', '+time=2', '+tries=1', '+short', 'hello.default.svc.clusterset.local', 'A'], { timeout: 5000 });
    digs.push(stdout.trim() === '10.42.0.10');
  } catch {
    digs.push(false);
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
}
const ok = digs.filter(Boolean).length;
// Older servers had no TCP limits and no tcpClosed counters: print null then.
const stats = server.stats() as unknown as { tcpClosed?: unknown };
console.log(
  JSON.stringify({
    connections,
    sources,
    dripMs,
    seconds,
    dripperConnectionsOpened: opened,
    dripperConnectionsClosedByServer: closedByServer,
    digAnswered: ok,
    digFailed: digs.length - ok,
    serverClosed: stats.tcpClosed ?? null,
  }),
);
for (const socket of open) socket.destroy();
await server.close();
