import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../observability/index.ts';
import type { PeerClient } from './peer-client.ts';
import { createReplicator, replicaTargets } from './replicator.ts';
import { waitFor } from './test-kit.ts';

interface Change {
  readonly id: string;
  readonly v: number;
}

/** A peer client whose answers the test controls. */
function fakeClient(): PeerClient & { posts: { url: string; body: unknown }[]; hold: boolean; fail: boolean; release(): void } {
  let waiting: (() => void)[] = [];
  const client = {
    posts: [] as { url: string; body: unknown }[],
    hold: false,
    fail: false,
    release: () => {
      const w = waiting;
      waiting = [];
      for (const resolve of w) resolve();
    },
    postJson: async (url: string, _path: string, body: unknown) => {
      client.posts.push({ url, body });
      if (client.hold) await new Promise<void>((resolve) => waiting.push(resolve));
      if (client.fail) throw new Error('refused');
      return { ok: true };
    },
    getJson: () => Promise.resolve(undefined),
    close: () => Promise.resolve(),
  };
  return client;
}

const options = (client: PeerClient, lag = 0) => ({
  client,
  path: '/_replicate',
  keyOf: (c: Change) => c.id,
  envelope: (changes: readonly Change[]) => changes,
  lagMs: () => lag,
  clock: Date.now,
  logger: silentLogger,
});

describe('replicator', () => {
  it('still sends a newer change of a key that was queued while the older one was in flight', async () => {
    const client = fakeClient();
    const replicator = createReplicator<Change>({ ...options(client), targets: replicaTargets('jkt', { sameCluster: ['http://peer'], otherClusters: [] }) });
    client.hold = true;
    const first = replicator.publish([{ id: 'a', v: 1 }]);
    await waitFor('first send', () => (client.posts.length === 1 ? true : undefined));
    const second = replicator.publish([{ id: 'a', v: 2 }]);
    client.hold = false;
    client.release();
    await Promise.all([first, second]);
    assert.deepEqual(
      client.posts.map((p) => p.body),
      [[{ id: 'a', v: 1 }], [{ id: 'a', v: 2 }]],
    );
    assert.equal(replicator.acknowledged(), 2);
    replicator.close();
  });

  it('coalesces queued changes by key and keeps the lag of unacknowledged ones until a send succeeds', async () => {
    const client = fakeClient();
    client.fail = true;
    const replicator = createReplicator<Change>({ ...options(client, 5), targets: replicaTargets('jkt', { sameCluster: [], otherClusters: [{ cluster: 'sgp', url: 'http://sgp' }] }) });
    await replicator.publish([{ id: 'a', v: 1 }, { id: 'b', v: 1 }]);
    await replicator.publish([{ id: 'a', v: 2 }]);
    assert.equal(replicator.lagByPeer()[0]?.pending, 2);
    await waitFor('a failed attempt and a positive lag', () => (client.posts.length > 0 && replicator.lagSeconds() > 0 ? true : undefined));
    assert.equal(replicator.lagSeconds(new Set(['sgp'])), 0);
    client.fail = false;
    await waitFor('lag back to 0', () => (replicator.lagSeconds() === 0 ? true : undefined));
    assert.deepEqual(client.posts.at(-1)?.body, [{ id: 'a', v: 2 }, { id: 'b', v: 1 }]);
    replicator.close();
  });
});
