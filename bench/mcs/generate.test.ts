/**
 * Tests of the MCS bench fleet generator: the fleet loads without errors, every
 * Service is exported from every cluster, headless Services answer all their
 * endpoints, and each endpoint's conditions sit where the flip bench rewrites them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_MCS_STATE, translateMcs } from '../../src/controllers/mcs/index.ts';
import { loadFleet } from '../../src/sources/index.ts';
import { clusterName, endpointIP, generateMcsFleet } from './generate.ts';

describe('bench/mcs generateMcsFleet', () => {
  it('writes a valid fleet whose headless Services import every endpoint of every cluster', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lintas-bench-mcs-test-'));
    try {
      const opts = { clusters: 3, servicesPerCluster: 12, endpointsPerSlice: 4, headlessEvery: 5 };
      const summary = generateMcsFleet(dir, opts);
      assert.equal(summary.endpoints, 3 * 12 * 4);
      assert.equal(summary.headlessServices, 3, 'svc-0000, svc-0005, svc-0010');

      const loaded = await loadFleet(dir);
      assert.deepEqual(loaded.issues.filter((i) => i.severity === 'error'), []);
      const result = translateMcs({ snapshot: loaded.snapshot, now: '2026-01-01T00:00:00Z', state: EMPTY_MCS_STATE });
      assert.equal(result.dns.services.length, 12);
      const headless = result.dns.services.filter((s) => s.type === 'Headless');
      assert.deepEqual(headless.map((s) => s.name).sort(), ['svc-0000', 'svc-0005', 'svc-0010']);
      for (const s of headless) {
        assert.equal(s.endpoints.length, 3 * 4);
        assert.ok(s.endpoints.every((e) => e.ready));
      }

      const text = readFileSync(join(dir, 'clusters', clusterName(2), 'endpointslices.yaml'), 'utf8');
      assert.ok(text.includes(`addresses: [${endpointIP(2, 5, 3, 4)}]\n    conditions: { ready: true, serving: true, terminating: false }\n`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a non-empty directory and out-of-range sizes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lintas-bench-mcs-test-'));
    try {
      generateMcsFleet(dir, { clusters: 1, servicesPerCluster: 1, endpointsPerSlice: 1, headlessEvery: 0 });
      assert.throws(() => generateMcsFleet(dir, { clusters: 1, servicesPerCluster: 1, endpointsPerSlice: 1, headlessEvery: 0 }), /not empty/);
      assert.throws(() => generateMcsFleet(join(dir, 'x'), { clusters: 1, servicesPerCluster: 4000, endpointsPerSlice: 10, headlessEvery: 0 }), RangeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
