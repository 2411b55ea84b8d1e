/**
 * Child process of the MCS bench, part 2, "what a --debounce flag would buy":
 * the same source → store → MCS runner → DNS wiring as `lintas serve`
 * (src/cli/commands/serve.ts), but with watchFleet's `debounceMs` set from the
 * command line, because `lintas serve` has no flag for it. No admin server and
 * no Prometheus metrics (serve's per-result metrics pass is not run here).
 *
 * This is NOT `lintas serve`; the bench labels its numbers as a variant.
 *
 * Prints `lintas-variant: DNS udp+tcp HOST:PORT` on stderr once DNS is bound.
 *
 * Usage: node --import tsx bench/mcs/serve-variant.ts DIR STATE_DIR DEBOUNCE_MS
 * @module
 */
import { join } from 'node:path';
import { runMcs } from '../../src/controllers/index.ts';
import { indexZone, startDnsServer, type DnsIndex } from '../../src/dataplanes/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { watchFleet } from '../../src/sources/index.ts';
import { FleetStore } from '../../src/store/index.ts';

const [dir, stateDir, debounce] = process.argv.slice(2);
if (dir === undefined || stateDir === undefined || debounce === undefined || !Number.isFinite(Number(debounce))) {
  console.error('usage: serve-variant.ts DIR STATE_DIR DEBOUNCE_MS');
  process.exit(2);
}

const log = createLogger({ level: 'warn' });
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());

const store = new FleetStore();
let index: DnsIndex = indexZone({ zone: 'clusterset.local', ttlSeconds: 5, services: [] });
const watcher = await watchFleet(dir, { store, log, debounceMs: Number(debounce), signal: stop.signal });
void runMcs({
  store,
  log,
  statePath: join(stateDir, 'mcs-state.json'),
  signal: stop.signal,
  onResult: (result) => {
    index = indexZone(result.dns);
  },
});
const dns = await startDnsServer({ address: '127.0.0.1', port: 0, getIndex: () => index, log });
process.stderr.write(`lintas-variant: DNS udp+tcp 127.0.0.1:${dns.udpPort} (debounce ${debounce} ms)\n`);
await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
watcher.close();
await dns.close();
