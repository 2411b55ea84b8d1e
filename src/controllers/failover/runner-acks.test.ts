import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DataPlaneServing } from '../../ir/index.ts';
import { openStore, WatchableMap } from '../../store/index.ts';
import { pendingDataPlanes } from './runner-acks.ts';
import { fakeClock, healthReport, startRunner, until } from './runner-test-support.ts';
import { JKT, makePolicy, PRIMARY, t, TYO } from './test-support.ts';

const ack = (cluster: string, ownership: Record<string, number>): [string, DataPlaneServing] => [cluster, { cluster, mode: 'remote', version: 1, state: 'acked', ownership, at: '2026-12-07T00:00:00.000Z' }];

describe('pendingDataPlanes', () => {
  it('names the data planes below the epoch, sorted; one whose config does not carry the policy is not waited for', () => {
    const acks = new Map([ack('tyo', { 'cases/cases': 2 }), ack('sgp', { 'cases/cases': 1 }), ack('jkt', {}), ack('bkk', { 'cases/cases': 1 })]);
    assert.deepEqual(pendingDataPlanes(acks, 'cases/cases', 2), ['bkk', 'sgp']);
    assert.deepEqual(pendingDataPlanes(acks, 'cases/cases', 1), []);
    assert.deepEqual(pendingDataPlanes(new Map(), 'cases/cases', 5), []);
  });
});

describe('failover runner: FailedOver only once every data plane serves the new epoch', () => {
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('waits in FailingOver, naming the data planes that have not acknowledged, then completes on the last ack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lintas-failover-acks-'));
    dirs.push(dir);
    const acks = new WatchableMap<string, DataPlaneServing>();
    acks.apply({ set: [ack('jkt-prod-1', { 'cases/cases': 1 }), ack('tyo-prod-1', { 'cases/cases': 1 })] });
    const clock = fakeClock(t(0));
    const h = await startRunner({ open: () => openStore({ dataDir: dir }) }, makePolicy({ mode: 'Manual' }), clock, 5, undefined, acks);
    try {
      h.runner.onHealth(healthReport(clock.at(0), { [PRIMARY]: 'ready', [JKT]: 'ready', [TYO]: 'ready' }));
      await h.runner.idle();
      clock.at(5);
      await h.runner.command('cases', 'case-writes', { type: 'Propose', actor: 'alice', reason: 'drill', target: TYO });
      const approved = await h.runner.command('cases', 'case-writes', { type: 'Approve', actor: 'bob', reason: 'ok' });
      assert.equal(approved.status.state, 'FailingOver');
      // The drain wait (5 ms) passes; the data planes still serve epoch 1.
      await until('the drain waits for the data planes', h.runner, () => h.runner.status()[0]?.awaitingDataPlanes?.length === 2);
      assert.equal(h.runner.status()[0]?.state, 'FailingOver');
      assert.deepEqual(h.runner.status()[0]?.awaitingDataPlanes, ['jkt-prod-1', 'tyo-prod-1']);
      acks.apply({ set: [ack('jkt-prod-1', { 'cases/cases': 2 })] });
      await until('one ack', h.runner, () => h.runner.status()[0]?.awaitingDataPlanes?.length === 1);
      assert.equal(h.runner.status()[0]?.state, 'FailingOver');
      acks.apply({ set: [ack('tyo-prod-1', { 'cases/cases': 2 })] });
      await until('FailedOver', h.runner, () => h.runner.status()[0]?.state === 'FailedOver');
      assert.equal(h.runner.status()[0]?.awaitingDataPlanes, undefined);
      const records = await h.store.list({ target: 'cases/case-writes' });
      assert.equal(records.at(-1)?.action, 'DrainComplete');
    } finally {
      await h.close();
    }
  });
});
