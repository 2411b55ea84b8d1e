/**
 * Tests of watchFleet on a real temp copy of examples/capstone: the initial
 * load publishes, edits reload and publish, bad edits keep the last good
 * fleet (with the located errors in status()), a vanished root is logged, not
 * thrown, and close()/abort release every watcher and timer. Then the persisted
 * last good fleet (issue 14 item 3): written by good loads only (0600, no temp
 * file left), published when the tree is invalid at start, replaced live by a
 * fix, and refused when it belongs to another directory or was damaged.
 *
 * Edits are written in place (writeFileSync), as `echo >` or most IDEs do.
 * Every wait is bounded; no assertion depends on wall-clock time.
 */
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Service } from '../../api/index.ts';
import { createLogger } from '../../observability/index.ts';
import { FleetStore } from '../../store/index.ts';
import { formatIssue } from '../../validation/index.ts';
import { LAST_GOOD_FILE, lastGoodTextsDir, readLastGood } from './last-good.ts';
import { createFleetLoader } from './load-fleet.ts';
import { watchFleet, type FleetWatcher, type LoadEvent } from './watch.ts';

const CAPSTONE = fileURLToPath(new URL('../../../examples/capstone', import.meta.url));
const SERVICES = 'clusters/jkt-prod-1/services.yaml';
/** The line of public-case-api's first port in SERVICES. */
const PORT_LINE = 21;
const WAIT_MS = 5000;

const roots: string[] = [];
const watchers: FleetWatcher[] = [];
afterEach(() => {
  // A failed test must not leave a watcher running (the process would never exit).
  for (const w of watchers.splice(0)) w.close();
});
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function copyCapstone(): string {
  const root = mkdtempSync(join(tmpdir(), 'lintas-watch-'));
  roots.push(root);
  cpSync(CAPSTONE, root, { recursive: true });
  return root;
}

/** Polls `predicate` until it is truthy or `ms` pass; then fails with `what`. */
async function waitFor<T>(what: string, predicate: () => T | undefined | false, ms = WAIT_MS): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (performance.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await delay(10);
  }
}

/** Rewrites the first `from` in `file` (relative to root) to `to`, in place. */
function edit(root: string, file: string, from: string, to: string): void {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), `${file} contains ${JSON.stringify(from)}`);
  writeFileSync(path, text.replace(from, to));
}

/** The first port of Service cases/public-case-api in jkt-prod-1, as the store has it. */
function publishedPort(store: FleetStore): number | undefined {
  const objects = [...store.current().clusters.values()].find((c) => c.cluster === 'jkt-prod-1')?.objects ?? [];
  const svc = objects.find((s) => s.object.kind === 'Service' && s.object.metadata.name === 'public-case-api')?.object as Service | undefined;
  return svc?.spec.ports?.[0]?.port;
}

interface Harness {
  readonly root: string;
  readonly store: FleetStore;
  readonly watcher: FleetWatcher;
  readonly events: LoadEvent[];
  readonly logs: string[];
  /** Waits for a load event after index `from` that satisfies `predicate`. */
  readonly waitForEvent: (what: string, from: number, predicate: (e: LoadEvent) => boolean) => Promise<LoadEvent>;
}

async function start(options: { signal?: AbortSignal; pollMs?: number; root?: string; lastGoodPath?: string } = {}): Promise<Harness> {
  const root = options.root ?? copyCapstone();
  const store = new FleetStore();
  const events: LoadEvent[] = [];
  const logs: string[] = [];
  const watcher = await watchFleet(root, {
    store,
    log: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    debounceMs: 20,
    pollMs: options.pollMs ?? 50,
    signal: options.signal,
    ...(options.lastGoodPath !== undefined ? { lastGoodPath: options.lastGoodPath } : {}),
    onLoad: (event) => events.push(event),
  });
  watchers.push(watcher);
  const waitForEvent = (what: string, from: number, predicate: (e: LoadEvent) => boolean): Promise<LoadEvent> =>
    waitFor(`${what} (events: ${JSON.stringify(events.map((e) => ({ published: e.published, version: e.version })))}; log:\n${logs.join('\n')})`, () => events.slice(from).find(predicate));
  return { root, store, watcher, events, logs, waitForEvent };
}

/** Counts of the handle types a watcher holds (fs.watch handles and timers), once closed handles are gone. */
async function handles(): Promise<{ FSEventWrap: number; StatWatcher: number; Timeout: number }> {
  // Closing a handle completes on a later event-loop turn; let earlier closes finish first.
  await delay(20);
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return { FSEventWrap: counts['FSEventWrap'] ?? 0, StatWatcher: counts['StatWatcher'] ?? 0, Timeout: counts['Timeout'] ?? 0 };
}

describe('watchFleet', () => {
  it('loads and publishes the fleet once before returning (version 1)', async () => {
    const h = await start();
    assert.equal(h.store.version, 1);
    assert.deepEqual([...h.store.current().clusters.keys()], ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1']);
    assert.equal(h.events.length, 1);
    assert.equal(h.events[0]?.published, true);
    assert.equal(h.events[0]?.version, 1);
    const { lastSuccessAt, ...status } = h.watcher.status();
    assert.deepEqual(status, { lastGoodVersion: 1, lastIssues: [], loads: 1 });
    assert.equal(lastSuccessAt, h.events[0]?.loadedAt, 'the config served was loaded by this load');
    assert.equal(publishedPort(h.store), 8080);
    assert.ok(h.logs.some((l) => l.startsWith('INFO  fleet published') && l.includes('version=1')), h.logs.join('\n'));
  });

  it('reloads and publishes a new version when a Service file changes', async () => {
    const h = await start();
    const from = h.events.length;
    edit(h.root, SERVICES, 'port: 8080', 'port: 8081');
    const event = await h.waitForEvent('a published reload', from, (e) => e.published && e.version === 2);
    assert.equal(event.result.issues.length, 0);
    assert.equal(h.store.version, 2);
    assert.equal(publishedPort(h.store), 8081);
    assert.ok(
      h.logs.some((l) => l.startsWith('INFO  fleet published') && l.includes('version=2') && l.includes('changed=["jkt-prod-1"]')),
      `only jkt-prod-1 changed:\n${h.logs.join('\n')}`,
    );
    const status = h.watcher.status();
    assert.equal(status.lastGoodVersion, 2);
    assert.ok(status.loads >= 2);
  });

  it('keeps the last good fleet on a bad edit, reports the located error, and publishes the fix', async () => {
    const h = await start();
    let from = h.events.length;
    edit(h.root, SERVICES, 'port: 8080', 'port: 8081');
    await h.waitForEvent('the good edit', from, (e) => e.published && e.version === 2);

    // Port out of range: rejected, version and content stay.
    from = h.events.length;
    edit(h.root, SERVICES, 'port: 8081', 'port: 70000');
    const rejected = await h.waitForEvent('the rejected edit', from, (e) => !e.published);
    assert.equal(rejected.version, 2);
    assert.equal(h.store.version, 2);
    assert.equal(publishedPort(h.store), 8081, 'the store still serves the last good port');
    const expected = `${SERVICES}:${PORT_LINE}: Service cases/public-case-api: .spec.ports[0].port: must be at most 65535, got 70000`;
    const errors = (): string[] => h.watcher.status().lastIssues.filter((i) => i.severity === 'error').map(formatIssue);
    assert.deepEqual(errors(), [expected]);
    assert.equal(h.watcher.status().lastGoodVersion, 2);
    assert.ok(h.logs.some((l) => l.startsWith('ERROR fleet has errors; keeping the last good config')), h.logs.join('\n'));
    assert.ok(h.logs.includes(`ERROR ${expected}`), `the located error is logged:\n${h.logs.join('\n')}`);

    // Invalid YAML: rejected too, located at its line.
    from = h.events.length;
    edit(h.root, SERVICES, 'port: 70000', 'port: [8082');
    await h.waitForEvent('the YAML syntax error', from, (e) => !e.published && e.result.issues.some((i) => /YAML/.test(i.message)));
    assert.equal(h.store.version, 2);
    assert.equal(publishedPort(h.store), 8081);
    const yamlIssues = h.watcher.status().lastIssues.filter((i) => i.severity === 'error');
    assert.ok(yamlIssues.length > 0 && yamlIssues.every((i) => i.file === SERVICES && i.line >= PORT_LINE), yamlIssues.map(formatIssue).join('\n'));

    // The fix publishes again.
    from = h.events.length;
    edit(h.root, SERVICES, 'port: [8082', 'port: 8082');
    await h.waitForEvent('the fix', from, (e) => e.published && e.version === 3);
    assert.equal(h.store.version, 3);
    assert.equal(publishedPort(h.store), 8082);
    assert.deepEqual(h.watcher.status().lastIssues, []);
    assert.equal(h.watcher.status().lastGoodVersion, 3);
  });

  it('logs, does not throw, and keeps the last good fleet when the root is deleted', async () => {
    const h = await start();
    const before = h.store.current();
    rmSync(h.root, { recursive: true, force: true });
    await waitFor(`a "cannot load fleet" error in the log:\n${h.logs.join('\n')}`, () => h.logs.find((l) => l.startsWith('ERROR cannot load fleet; keeping the last good config')));
    const line = h.logs.find((l) => l.startsWith('ERROR cannot load fleet'));
    assert.match(line ?? '', /does not exist/);
    assert.equal(h.store.version, 1);
    assert.deepEqual([...h.store.current().clusters.keys()], [...before.clusters.keys()]);
    assert.equal(h.watcher.status().lastGoodVersion, 1);
    // An explicit reload of a missing root resolves (undefined), never rejects.
    assert.equal(await h.watcher.reload(), undefined);
    h.watcher.close();
  });

  it('resumes when a deleted root comes back (polls while it is gone)', async () => {
    const h = await start({ pollMs: 30 });
    rmSync(h.root, { recursive: true, force: true });
    await waitFor('the load failure', () => h.watcher.status().lastIssues.some((i) => /does not exist/.test(i.message)));
    const from = h.events.length;
    cpSync(CAPSTONE, h.root, { recursive: true });
    edit(h.root, SERVICES, 'port: 8080', 'port: 8083');
    await h.waitForEvent('a published reload after the root returned', from, (e) => e.published && publishedPort(h.store) === 8083);
    assert.equal(h.store.version, 2);
    assert.deepEqual(h.watcher.status().lastIssues, []);
  });

  it('sees edits saved by rename (vim, `mv tmp file`), again and again', async () => {
    const h = await start();
    for (const port of [8091, 8092, 8093]) {
      const from = h.events.length;
      const path = join(h.root, SERVICES);
      const text = readFileSync(path, 'utf8').replace(/port: 80\d\d\n/, `port: ${port}\n`);
      writeFileSync(`${path}.tmp`, text);
      renameSync(`${path}.tmp`, path);
      await h.waitForEvent(`the rename-save of port ${port}`, from, (e) => e.published && publishedPort(h.store) === port);
    }
  });

  it('re-arms its watcher only when a path now names another inode: not for edits in place, once for a rename-save', async () => {
    const h = await start();
    const arms = (): number => h.logs.filter((l) => l.includes('file watcher armed')).length;
    assert.equal(arms(), 1);
    for (const [from, to] of [['port: 8080', 'port: 8081'], ['port: 8081', 'port: 8082']] as const) {
      const seen = h.events.length;
      edit(h.root, SERVICES, from, to);
      await h.waitForEvent(`the edit in place to ${to}`, seen, (e) => e.published && publishedPort(h.store) === Number(to.slice(6)));
    }
    assert.equal(arms(), 1, 'edits in place keep the watcher');
    const path = join(h.root, SERVICES);
    let seen = h.events.length;
    writeFileSync(`${path}.tmp`, readFileSync(path, 'utf8').replace('port: 8082', 'port: 8083'));
    renameSync(`${path}.tmp`, path);
    await h.waitForEvent('the rename-save', seen, (e) => e.published && publishedPort(h.store) === 8083);
    assert.ok(arms() >= 2, 'a rename-save re-arms it');
    seen = h.events.length;
    edit(h.root, SERVICES, 'port: 8083', 'port: 8084');
    await h.waitForEvent('an edit in place of the renamed file', seen, (e) => e.published && publishedPort(h.store) === 8084);
  });

  it('serialises concurrent reloads: a reload during a load schedules exactly one more', async () => {
    const h = await start();
    const loads = h.watcher.status().loads;
    const [first, second] = await Promise.all([h.watcher.reload(), h.watcher.reload()]);
    assert.equal(h.watcher.status().loads, loads + 2);
    assert.equal(first?.published, true);
    assert.equal(second?.published, true);
    assert.equal(h.store.version, 1, 'reloading an unchanged tree publishes nothing new');
    assert.ok(h.logs.some((l) => l.startsWith('INFO  fleet unchanged')), h.logs.join('\n'));
  });

  it('close() stops watching: later edits are not loaded and no watcher or timer is left', async () => {
    const baseline = await handles();
    const h = await start();
    const running = await handles();
    assert.ok(running.FSEventWrap + running.StatWatcher > baseline.FSEventWrap + baseline.StatWatcher, `the watcher holds fs handles: ${JSON.stringify({ baseline, running })}`);
    h.watcher.close();
    h.watcher.close(); // idempotent
    const loads = h.watcher.status().loads;
    edit(h.root, SERVICES, 'port: 8080', 'port: 8081');
    await delay(200); // several debounce periods: a live watcher would have reloaded by now
    assert.equal(h.watcher.status().loads, loads);
    assert.equal(h.store.version, 1);
    assert.equal(publishedPort(h.store), 8080);
    assert.deepEqual(await handles(), baseline, 'every fs handle and timer of the watcher is released');
  });

  it('stops on abort like close()', async () => {
    const baseline = await handles();
    const controller = new AbortController();
    const h = await start({ signal: controller.signal });
    controller.abort();
    const loads = h.watcher.status().loads;
    edit(h.root, SERVICES, 'port: 8080', 'port: 8081');
    await delay(200);
    assert.equal(h.watcher.status().loads, loads);
    assert.equal(h.store.version, 1);
    assert.deepEqual(await handles(), baseline);
  });

  it('releases everything after the root was deleted, too', async () => {
    const baseline = await handles();
    const h = await start({ pollMs: 20 });
    rmSync(h.root, { recursive: true, force: true });
    await waitFor('the load failure', () => h.logs.some((l) => l.startsWith('ERROR cannot load fleet')));
    h.watcher.close();
    await delay(100); // let any in-flight load finish
    const loads = h.watcher.status().loads;
    const logged = h.logs.length;
    await delay(100);
    assert.equal(h.watcher.status().loads, loads);
    assert.equal(h.logs.length, logged, `nothing runs after close:\n${h.logs.slice(logged).join('\n')}`);
    assert.deepEqual(await handles(), baseline);
  });
});

describe('watchFleet with a persisted last good fleet', () => {
  /** A capstone copy and, beside it, a state directory for its last good fleet. */
  function withState(): { root: string; state: string; lastGoodPath: string } {
    const root = copyCapstone();
    const state = mkdtempSync(join(tmpdir(), 'lintas-watch-state-'));
    roots.push(state);
    return { root, state, lastGoodPath: join(state, LAST_GOOD_FILE) };
  }

  it('is written by a good load (0600, no temp file left) and never replaced by a bad edit', async () => {
    const { root, state, lastGoodPath } = withState();
    const h = await start({ root, lastGoodPath });
    const saved = readFileSync(lastGoodPath, 'utf8');
    assert.equal(statSync(lastGoodPath).mode & 0o777, 0o600);
    const texts = lastGoodTextsDir(lastGoodPath);
    assert.deepEqual(readdirSync(state).sort(), ['last-good-fleet.d', LAST_GOOD_FILE], 'nothing half-written beside it');
    assert.ok(readdirSync(texts).every((n) => /^[0-9a-f]{64}$/.test(n) && (statSync(join(texts, n)).mode & 0o777) === 0o600), 'only texts (0600), no temp file');
    edit(root, SERVICES, 'port: 8080', 'port: 70000');
    await h.watcher.reload();
    assert.equal(h.events.at(-1)?.published, false);
    assert.equal(readFileSync(lastGoodPath, 'utf8'), saved, 'the bad tree is not persisted');
  });

  it('is published when the tree is invalid at start, and a fix is published live', async () => {
    const { root, lastGoodPath } = withState();
    const good = await createFleetLoader().load(root);
    (await start({ root, lastGoodPath })).watcher.close();
    edit(root, SERVICES, 'port: 8080', 'port: 70000');

    const h = await start({ root, lastGoodPath });
    const stored = readLastGood(lastGoodPath, root);
    assert.ok(!('reason' in stored));
    assert.equal(h.store.version, 1, 'something is served');
    assert.deepEqual(h.store.current(), good.snapshot, 'the last good fleet, objects and origins alike');
    const status = h.watcher.status();
    assert.equal(status.restoredFrom, stored.savedAt);
    assert.equal(status.lastSuccessAt, Date.parse(stored.savedAt));
    assert.deepEqual(status.lastIssues.filter((i) => i.severity === 'error').map(formatIssue), [`${SERVICES}:${PORT_LINE}: Service cases/public-case-api: .spec.ports[0].port: must be at most 65535, got 70000`]);
    assert.deepEqual(h.events.map((e) => [e.published, e.restored ?? false]), [[false, false], [true, true]]);
    assert.ok(h.logs.some((l) => l.startsWith('WARN  serving the last good fleet persisted before the restart')), h.logs.join('\n'));

    const from = h.events.length;
    edit(root, SERVICES, 'port: 70000', 'port: 8081');
    await h.waitForEvent('the fix', from, (e) => e.published && !e.restored);
    assert.equal(h.watcher.status().restoredFrom, undefined);
    assert.deepEqual(h.watcher.status().lastIssues, []);
    assert.equal(publishedPort(h.store), 8081);
  });

  it('is not used for another directory, nor when it was damaged: nothing is served', async () => {
    const { root, lastGoodPath } = withState();
    (await start({ root, lastGoodPath })).watcher.close();
    edit(root, SERVICES, 'port: 8080', 'port: 70000');

    const other = withState();
    cpSync(root, other.root, { recursive: true, force: true });
    cpSync(lastGoodPath, other.lastGoodPath);
    cpSync(lastGoodTextsDir(lastGoodPath), lastGoodTextsDir(other.lastGoodPath), { recursive: true });
    const moved = await start({ root: other.root, lastGoodPath: other.lastGoodPath });
    assert.equal(moved.store.version, 0);
    assert.ok(moved.logs.some((l) => l.includes('no last good fleet to start from') && l.includes('holds the fleet of')), moved.logs.join('\n'));

    const texts = lastGoodTextsDir(lastGoodPath);
    const holder = readdirSync(texts).find((n) => readFileSync(join(texts, n), 'utf8').includes('public-case-api'));
    assert.ok(holder !== undefined);
    writeFileSync(join(texts, holder), readFileSync(join(texts, holder), 'utf8').replace('public-case-api', 'public-case-apj'));
    const damaged = await start({ root, lastGoodPath });
    assert.equal(damaged.store.version, 0);
    assert.ok(damaged.logs.some((l) => l.includes('does not match its digest')), damaged.logs.join('\n'));
  });
});
