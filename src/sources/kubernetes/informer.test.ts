import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../../../test/wait.ts';
import { FakeApiServer } from './fake-api-server.ts';
import { Informer } from './informer.ts';
import { KubeApiError } from './transport.ts';
import type { WatchedResource } from './resources.ts';

const SERVICES: WatchedResource = { kind: 'Service', group: '', versions: ['v1'], plural: 'services', namespaced: true };
const EXPORTS: WatchedResource = { kind: 'ServiceExport', group: 'multicluster.x-k8s.io', versions: ['v1beta1', 'v1alpha1'], plural: 'serviceexports', namespaced: true };

/** Runs `body` with an informer on `server` that has synced (its watch open), then stops it. */
async function withInformer(server: FakeApiServer, body: (informer: Informer) => Promise<void>, resource = SERVICES): Promise<void> {
  const informer = new Informer({ transport: server.transport, resource, onChange: () => undefined, onStatus: () => undefined, initialBackoffMs: 5, maxBackoffMs: 20, random: () => 0 });
  informer.start();
  try {
    await waitFor('synced, its watch open', () => (informer.status().synced && (informer.status().version === undefined || server.watches.length > 0) ? true : undefined));
    await body(informer);
  } finally {
    await informer.stop();
  }
}

const names = (informer: Informer): string[] => [...informer.objects().keys()].sort();

describe('Informer', () => {
  it('lists, then follows watch events from the list version, and re-watches from the latest bookmark', async () => {
    const server = new FakeApiServer();
    server.write('/api/v1/services', 'a', { spec: {} });
    await withInformer(server, async (informer) => {
      assert.deepEqual(names(informer), ['a']);
      assert.equal(informer.objects().get('a')?.['kind'], 'Service', 'list items get their kind');
      server.write('/api/v1/services', 'b', { spec: {} });
      server.write('/api/v1/services', 'a', undefined);
      await waitFor('events applied', () => (names(informer).join() === 'b' ? true : undefined));
      server.bookmark();
      const bookmarked = String(server.rv);
      server.endWatches(); // a clean end (server timeout): re-watch, no relist
      await waitFor('re-watched', () => (server.watches.length === 2 ? true : undefined));
      assert.equal(server.watches[1]?.resourceVersion, bookmarked);
      assert.equal(server.lists.length, 1);
      assert.equal(informer.status().relists, 0);
    });
  });

  it('relists on 410 Gone and reconciles what changed while its version was compacted away', async () => {
    const server = new FakeApiServer();
    server.write('/api/v1/services', 'a', { spec: {} });
    server.write('/api/v1/services', 'b', { spec: {} });
    await withInformer(server, async (informer) => {
      // The watch drops; meanwhile a is deleted, c created, and etcd compacts past the informer's version.
      server.down = true;
      server.endWatches(new KubeApiError(0, undefined, 'connection reset'));
      await waitFor('down', () => (informer.status().up ? undefined : true));
      assert.deepEqual(names(informer), ['a', 'b'], 'unsynced is not empty: the last known objects stay');
      server.write('/api/v1/services', 'a', undefined);
      server.write('/api/v1/services', 'c', { spec: {} });
      server.compact();
      server.down = false;
      await waitFor('reconciled', () => (names(informer).join() === 'b,c' && informer.status().up ? true : undefined));
      assert.ok(informer.status().relists >= 1);
    });
  });

  it('relists when a watch answers 410 Gone with an ERROR event', async () => {
    const server = new FakeApiServer();
    server.write('/api/v1/services', 'a', { spec: {} });
    await withInformer(server, async (informer) => {
      // The stream stalls, two writes go undelivered and are compacted away; the watch then ends cleanly.
      server.deliver = false;
      server.write('/api/v1/services', 'z', { spec: {} });
      server.write('/api/v1/services', 'a', undefined);
      server.compact();
      server.deliver = true;
      server.endWatches();
      await waitFor('relisted', () => (informer.status().relists === 1 ? true : undefined));
      await waitFor('reconciled', () => (names(informer).join() === 'z' ? true : undefined));
    });
  });

  it('backs off while the server is unreachable, reporting down with the last known objects and the error, and re-watches from its version', async () => {
    const server = new FakeApiServer();
    server.write('/api/v1/services', 'a', { spec: {} });
    await withInformer(server, async (informer) => {
      server.down = true;
      server.endWatches(new KubeApiError(0, undefined, 'connection reset'));
      await waitFor('several failed attempts', () => (server.watches.length >= 4 ? true : undefined));
      const status = informer.status();
      assert.equal(status.up, false);
      assert.equal(status.synced, true);
      assert.match(status.lastError ?? '', /ECONNREFUSED/);
      assert.deepEqual(names(informer), ['a']);
      const reached = String(server.rv);
      server.write('/api/v1/services', 'b', { spec: {} }); // written while the informer cannot see it
      server.down = false;
      await waitFor('caught up', () => (names(informer).join() === 'a,b' && informer.status().up ? true : undefined));
      assert.equal(server.watches.at(-1)?.resourceVersion, reached, 'the watch reopened from the version it reached');
      assert.equal(server.lists.length, 1, 'no relist: the events since were replayed');
    });
  });

  it('reads ServiceExports as v1alpha1 where v1beta1 is not served, and as empty where neither is', async () => {
    const server = new FakeApiServer();
    server.notServed.add('/apis/multicluster.x-k8s.io/v1beta1/serviceexports');
    server.write('/apis/multicluster.x-k8s.io/v1alpha1/serviceexports', 'web', {});
    await withInformer(server, async (informer) => {
      assert.equal(informer.status().version, 'v1alpha1');
      assert.equal(informer.objects().get('web')?.['apiVersion'], 'multicluster.x-k8s.io/v1alpha1');
    }, EXPORTS);
    const bare = new FakeApiServer();
    bare.notServed.add('/apis/multicluster.x-k8s.io/v1beta1/serviceexports');
    bare.notServed.add('/apis/multicluster.x-k8s.io/v1alpha1/serviceexports');
    await withInformer(
      bare,
      async (none) => {
        assert.equal(none.status().version, undefined);
        assert.equal(none.objects().size, 0);
      },
      EXPORTS,
    );
  });
});
