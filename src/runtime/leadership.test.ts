import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../observability/index.ts';
import { openStore, StoreError, type LintasStore } from '../store/index.ts';
import { createBus } from './bus.ts';
import { CONTROL_PLANE_LEASE, currentFence, fencedStore, leaderComponent, localHolderGone, uniqueHolder } from './leadership.ts';

describe('control-plane leadership', () => {
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('two replicas on one store: one leads; only the leader\'s fenced writes land; the other takes over after a clean stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lintas-leader-'));
    dirs.push(dir);
    const stores: LintasStore[] = [await openStore({ dataDir: dir }), await openStore({ dataDir: dir })];
    const [a, b] = [createBus(), createBus()];
    const lease = { ttlMs: 3_000, renewMs: 200 };
    const first = leaderComponent({ bus: a, store: stores[0]!, holder: 'replica-a', ...lease, log: silentLogger });
    const second = leaderComponent({ bus: b, store: stores[1]!, holder: 'replica-b', ...lease, log: silentLogger });
    try {
      await first.start();
      await second.start();
      assert.equal(a.leader.get(CONTROL_PLANE_LEASE)?.role, 'leader');
      assert.equal(b.leader.get(CONTROL_PLANE_LEASE)?.role, 'follower');
      assert.deepEqual([first.health().ready, second.health().ready], [true, true], 'a follower serves too');

      const writesA = fencedStore(stores[0]!, () => currentFence(a.leader.get(CONTROL_PLANE_LEASE)));
      const writesB = fencedStore(stores[1]!, () => currentFence(b.leader.get(CONTROL_PLANE_LEASE)));
      await writesA.append([{ actor: 'a', action: 'Test', target: 't' }]);
      await assert.rejects(writesB.append([{ actor: 'b', action: 'Test', target: 't' }]), (e: unknown) => e instanceof StoreError && e.code === 'STORE_FENCED');
      await assert.rejects(writesB.compareAndSet('failover/x', 0, { x: 1 }), (e: unknown) => e instanceof StoreError && e.code === 'STORE_FENCED');
      assert.deepEqual((await stores[0]!.list()).map((r) => r.actor), ['a']);

      // A clean stop releases the lease: the follower acquires it on its next attempt.
      await first.stop();
      for await (const update of b.leader.subscribe()) if (update.state.get(CONTROL_PLANE_LEASE)?.role === 'leader') break;
      await writesB.append([{ actor: 'b', action: 'Test', target: 't' }]);
      assert.deepEqual((await stores[1]!.list()).map((r) => r.actor), ['a', 'b']);
    } finally {
      await first.stop();
      await second.stop();
      for (const s of stores) await s.close();
    }
  });
});

describe('localHolderGone', () => {
  it('is true only for a holder of this host and pid namespace whose process no longer runs', async () => {
    const mine = uniqueHolder();
    const prefix = mine.replace(/-\d+-[0-9a-f]{8}$/, '');
    // A process that ran and exited: its pid is free (until reused, when the answer turns false: unsure).
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await once(child, 'exit');
    assert.equal(localHolderGone(`${prefix}-${String(child.pid)}-0123abcd`), true);
    assert.equal(localHolderGone(mine), false, 'itself');
    assert.equal(localHolderGone(`${prefix}-${String(process.ppid)}-0123abcd`), false, 'a live process');
    assert.equal(localHolderGone(`other-host-${mine.split('-').slice(-3).join('-').replace(/^\d+-/, '4026531836-')}`), false, 'another host');
    assert.equal(localHolderGone(mine.replace(/-(\d+)-(\d+)-([0-9a-f]{8})$/, `-1-${String(child.pid)}-$3`)), false, 'another pid namespace');
    assert.equal(localHolderGone('replica-a'), false, 'a name of another shape');
  });
});
