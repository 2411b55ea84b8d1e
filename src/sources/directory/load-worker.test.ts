/**
 * The fleet loader off the main thread (issue 14 item 5): watchFleet loads on a
 * worker, so the main event loop keeps turning while a large tree is parsed;
 * the worker's results equal the in-process loader's; an unchanged cluster's
 * objects arrive as the list the main thread already holds; a SourceError keeps
 * its code across the thread boundary. Nothing here asserts a duration.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { clusterName } from '../../api/index.ts';
import { threadPriorities } from '../../lib/index.ts';
import { createLogger } from '../../observability/index.ts';
import { FleetStore } from '../../store/index.ts';
import { SourceError } from '../errors.ts';
import { createFleetLoader } from './load-fleet.ts';
import { createWorkerFleetLoader } from './load-worker.ts';
import { watchFleet } from './watch.ts';

const CAPSTONE = fileURLToPath(new URL('../../../examples/capstone', import.meta.url));
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'lintas-load-worker-'));
  roots.push(root);
  return root;
}

/** A one-cluster fleet whose one file holds `slices` EndpointSlices of 100 endpoints (about 6 KB each). */
function largeFleet(slices: number): string {
  const root = tempRoot();
  mkdirSync(join(root, 'fleet'));
  mkdirSync(join(root, 'clusters', 'a'), { recursive: true });
  writeFileSync(join(root, 'fleet', 'clusters.yaml'), 'apiVersion: lintas.dev/v1alpha1\nkind: Cluster\nmetadata: {name: a}\nspec: {region: r1, zones: [r1a], podCIDRs: [10.0.0.0/16]}\n');
  const docs: string[] = [];
  for (let s = 0; s < slices; s++) {
    let endpoints = '';
    for (let k = 0; k < 100; k++) endpoints += `  - addresses: [10.0.${k}.${s % 250}]\n    conditions: {ready: true}\n`;
    docs.push(`apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s-${s}, namespace: ns, labels: {kubernetes.io/service-name: svc}}\naddressType: IPv4\nendpoints:\n${endpoints}`);
  }
  writeFileSync(join(root, 'clusters', 'a', 'endpointslices.yaml'), docs.join('---\n'));
  return root;
}

describe('the fleet loader worker', () => {
  it('keeps the main event loop turning while a large tree is loaded', async () => {
    const root = largeFleet(300);
    const store = new FleetStore();
    let loaded = false;
    const watching = watchFleet(root, { store, log: createLogger({ level: 'error', write: () => undefined }) }).then((w) => {
      loaded = true;
      return w;
    });
    // 100 timer turns need the main loop 100 times; a parse on this thread would hold it for the whole load.
    let turns = 0;
    while (!loaded && turns < 100) {
      await delay(1);
      turns++;
    }
    const watcher = await watching;
    try {
      assert.equal(turns, 100, `the main loop turned ${String(turns)} times, then waited for the load`);
      assert.equal(store.version, 1);
      assert.equal(store.current().clusters.get(clusterName('a'))?.objects.length, 300);
    } finally {
      watcher.close();
    }
  });

  it('gives the same result as loading on this thread', async () => {
    const root = tempRoot();
    cpSync(CAPSTONE, root, { recursive: true });
    writeFileSync(join(root, 'clusters', 'jkt-prod-1', 'broken.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 70000}]}\n');
    const worker = createWorkerFleetLoader();
    try {
      assert.deepEqual(await worker.load(root), await createFleetLoader().load(root));
    } finally {
      worker.close();
    }
  });

  it('sends only what changed: unchanged clusters, and unchanged objects of an edited file, are what the main thread already holds', async () => {
    const root = tempRoot();
    cpSync(CAPSTONE, root, { recursive: true });
    const worker = createWorkerFleetLoader();
    try {
      const first = await worker.load(root);
      const services = join(root, 'clusters', 'jkt-prod-1', 'services.yaml');
      writeFileSync(services, readFileSync(services, 'utf8').replace('port: 8080', 'port: 8081'));
      const second = await worker.load(root);
      const objects = (r: typeof first, c: string) => r.snapshot.clusters.get(clusterName(c))?.objects;
      assert.equal(objects(second, 'sgp-prod-1'), objects(first, 'sgp-prod-1'), 'unchanged cluster: the same list');
      assert.equal(second.snapshot.fleetObjects, first.snapshot.fleetObjects, 'unchanged fleet objects: the same list');
      assert.notEqual(objects(second, 'jkt-prod-1'), objects(first, 'jkt-prod-1'), 'changed cluster: a new list');
      const service = (r: typeof first, name: string) => objects(r, 'jkt-prod-1')?.find((o) => o.object.kind === 'Service' && o.object.metadata.name === name);
      assert.equal(service(second, 'case-search-api'), service(first, 'case-search-api'), 'same file, object unchanged: the same object');
      assert.notEqual(service(second, 'public-case-api'), service(first, 'public-case-api'), 'the edited object: a new one');
      assert.deepEqual(second, await createFleetLoader().load(root), 'and the whole result is still what this thread would load');
    } finally {
      worker.close();
    }
  });

  it('runs at nice 19, below every thread that serves traffic', { skip: process.platform !== 'linux' ? 'thread nice values are read from /proc (Linux)' : false }, async () => {
    const root = tempRoot();
    cpSync(CAPSTONE, root, { recursive: true });
    const worker = createWorkerFleetLoader();
    try {
      await worker.load(root);
      assert.deepEqual(threadPriorities().filter((t) => t.name === 'lintas-loader').map((t) => t.nice), [19], 'one thread named lintas-loader, at nice 19');
    } finally {
      worker.close();
    }
  });

  it('reads a tree with unreadable entries as this thread does (its own file system calls are synchronous)', async () => {
    const root = tempRoot();
    mkdirSync(join(root, 'clusters/jkt-prod-1'), { recursive: true });
    writeFileSync(join(root, 'clusters/jkt-prod-1/namespace.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cases\n');
    writeFileSync(join(root, 'clusters/jkt-prod-1/binary.yaml'), Buffer.from([0x6b, 0x3a, 0, 0x31]));
    writeFileSync(join(root, 'clusters/jkt-prod-1/latin1.yaml'), Buffer.from([0x6b, 0x3a, 0xe9]));
    writeFileSync(join(root, 'clusters/jkt-prod-1/large.yaml'), `# ${'x'.repeat(300)}\n`);
    symlinkSync(join(root, 'nowhere.yaml'), join(root, 'clusters/jkt-prod-1/dangling.yaml'));
    symlinkSync(root, join(root, 'clusters/loop'));
    const options = { maxFileBytes: 256 };
    const worker = createWorkerFleetLoader(options);
    try {
      const [there, here] = [await worker.load(root), await createFleetLoader(options).load(root)];
      assert.deepEqual(there, here);
      assert.deepEqual(
        there.issues.filter((i) => i.line === 0).map((i) => i.file),
        ['clusters/jkt-prod-1/', 'clusters/jkt-prod-1/binary.yaml', 'clusters/jkt-prod-1/dangling.yaml', 'clusters/jkt-prod-1/large.yaml', 'clusters/jkt-prod-1/latin1.yaml', 'clusters/loop'],
      );
    } finally {
      worker.close();
    }
  });

  it('rejects an unusable root with the SourceError and its code', async () => {
    const worker = createWorkerFleetLoader();
    try {
      await assert.rejects(worker.load(join(tempRoot(), 'missing')), (error: unknown) => error instanceof SourceError && error.code === 'LINTAS_ERR_NOT_FOUND');
    } finally {
      worker.close();
    }
  });
});
