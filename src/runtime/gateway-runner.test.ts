/**
 * The gateway runner translates on the next turn of the event loop, never inside the bus
 * update that brought the MCS result: the DNS component's update of the same result (a
 * microtask, as `follow` runs it) is applied before any gateway work, and a burst of
 * inputs in one turn translates once.
 * @module
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { FleetSnapshot } from '../api/index.ts';
import { EMPTY_MCS_STATE, translateMcs } from '../controllers/index.ts';
import type { ClusterConfig } from '../ir/index.ts';
import { createLogger } from '../observability/index.ts';
import { WatchableMap } from '../store/index.ts';
import { startGatewayRunner } from './gateway-runner.ts';
import { waitFor } from '../../test/wait.ts';

const NOW = '2026-05-01T12:00:00Z';

describe('gateway runner: translation order', () => {
  it('leaves the turn of an MCS result to DNS: microtasks queued after onMcs run before the translation', async () => {
    const snapshot: FleetSnapshot = { fleetObjects: [], clusters: new Map() };
    const mcs = translateMcs({ snapshot, now: NOW, state: EMPTY_MCS_STATE });
    const configs = new WatchableMap<string, ClusterConfig>();
    const runner = startGatewayRunner({ log: createLogger({ level: 'error', write: () => undefined }), registry: new Registry(), write: () => undefined, embedded: 'none', workers: 0, configs });
    try {
      runner.onMcs(mcs, snapshot);
      // A second input in the same turn (a health round): still one translation, of the newest inputs.
      runner.setPolicyInputs({});
      assert.equal(runner.latest(), undefined, 'onMcs returned without translating');
      // The DNS component's update of the same bus change is a microtask: it must see no gateway work done yet.
      const seenByDns = await new Promise<unknown>((resolve) => queueMicrotask(() => resolve(runner.latest())));
      assert.equal(seenByDns, undefined, 'the gateway translation waits for the next turn');
      const first = await waitFor('gateway translated', () => runner.latest());
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.equal(runner.latest(), first, 'one translation for the burst');
    } finally {
      await runner.close();
    }
  });
});
