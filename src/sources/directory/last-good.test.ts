/**
 * The persisted last good fleet (issue 14 item 3), through watchFleet on a temp
 * copy of examples/capstone: a good load persists the tree (0600, no temp files
 * left), a bad edit never replaces it, a restart with an invalid tree publishes
 * it (and says so in status()), a fix is published live, and a copy that belongs
 * to another directory or was damaged is refused. Bounded waits only.
 */
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../observability/index.ts';
import { FleetStore } from '../../store/index.ts';
import { LAST_GOOD_FILE, readLastGood } from './last-good.ts';
import { createFleetLoader } from './load-fleet.ts';
import { watchFleet, type FleetWatcher, type LoadEvent } from './watch.ts';

const CAPSTONE = fileURLToPath(new URL('../../../examples/capstone', import.meta.url));
const SERVICES = 'clusters/jkt-prod-1/services.yaml';

const roots: string[] = [];
const watchers: FleetWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
});
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function setup(): { fleet: string; state: string; lastGood: string } {
  const root = mkdtempSync(join(tmpdir(), 'lintas-last-good-'));
  roots.push(root);
  const fleet = join(root, 'fleet');
  cpSync(CAPSTONE, fleet, { recursive: true });
  const state = join(root, 'state');
  return { fleet, state, lastGood: join(state, LAST_GOOD_FILE) };
}

function edit(fleet: string, from: string, to: string): void {
  const path = join(fleet, SERVICES);
  writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
}

async function watch(fleet: string, lastGoodPath: string) {
  const store = new FleetStore();
  const events: LoadEvent[] = [];
  const logs: string[] = [];
  const watcher = await watchFleet(fleet, { store, lastGoodPath, debounceMs: 20, log: createLogger({ level: 'debug', write: (l) => logs.push(l) }), onLoad: (e) => events.push(e) });
  watchers.push(watcher);
  return { store, events, logs, watcher };
}

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the persisted last good fleet', () => {
  it('is written by a good load (0600, nothing half-written left) and never replaced by a bad edit', async () => {
    const { fleet, state, lastGood } = setup();
    const w = await watch(fleet, lastGood);
    const saved = readFileSync(lastGood, 'utf8');
    assert.equal(statSync(lastGood).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(state), [LAST_GOOD_FILE], 'no temp file beside it');
    edit(fleet, 'port: 8080', 'port: 70000');
    await w.watcher.reload();
    assert.equal(w.events.at(-1)?.published, false);
    assert.equal(readFileSync(lastGood, 'utf8'), saved, 'the bad tree is not persisted');
  });

  it('is published when the tree is invalid at start, and a fix is published live', async () => {
    const { fleet, lastGood } = setup();
    const good = await createFleetLoader().load(fleet);
    (await watch(fleet, lastGood)).watcher.close();
    edit(fleet, 'port: 8080', 'port: 70000');

    const w = await watch(fleet, lastGood);
    const stored = readLastGood(lastGood, fleet);
    assert.ok(!('reason' in stored));
    assert.equal(w.store.version, 1, 'something is served');
    assert.deepEqual(w.store.current(), good.snapshot, 'the last good fleet, objects and origins alike');
    const status = w.watcher.status();
    assert.equal(status.restoredFrom, stored.savedAt);
    assert.equal(status.lastSuccessAt, Date.parse(stored.savedAt));
    assert.match(status.lastIssues.map((i) => `${i.file}: ${i.field ?? ''}`).join('\n'), /services\.yaml: \.spec\.ports\[0\]\.port/);
    assert.deepEqual(w.events.map((e) => [e.published, e.restored ?? false]), [[false, false], [true, true]]);
    assert.ok(w.logs.some((l) => l.startsWith('WARN  serving the last good fleet persisted before the restart')), w.logs.join('\n'));

    edit(fleet, 'port: 70000', 'port: 8081');
    await w.watcher.reload();
    const live = await until('the fix published', () => (w.watcher.status().restoredFrom === undefined ? w.watcher.status() : undefined));
    assert.deepEqual(live.lastIssues, []);
    assert.equal(w.store.version, 2);
  });

  it('is not used for another directory, nor when it was damaged: nothing is served', async () => {
    const { fleet, lastGood } = setup();
    (await watch(fleet, lastGood)).watcher.close();
    edit(fleet, 'port: 8080', 'port: 70000');

    const other = setup();
    cpSync(fleet, other.fleet, { recursive: true, force: true });
    cpSync(lastGood, other.lastGood);
    const moved = await watch(other.fleet, other.lastGood);
    assert.equal(moved.store.version, 0);
    assert.ok(moved.logs.some((l) => l.includes('no last good fleet to start from') && l.includes('holds the fleet of')), moved.logs.join('\n'));

    writeFileSync(lastGood, readFileSync(lastGood, 'utf8').replace('public-case-api', 'public-case-apj'));
    const damaged = await watch(fleet, lastGood);
    assert.equal(damaged.store.version, 0);
    assert.ok(damaged.logs.some((l) => l.includes('does not match its digest')), damaged.logs.join('\n'));
  });
});
