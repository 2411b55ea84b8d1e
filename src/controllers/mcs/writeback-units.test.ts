/**
 * The write-back's cut per service: a result as units (one per import with its slices, one per own
 * export), and the diff that tells which units a new result changed or removed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { McsClusterResult } from './types.ts';
import { derivedServiceName } from './writeback-plan.ts';
import { diffUnits, planUnits, unitObjectKeys, unitOfWritten } from './writeback-units.ts';

/** sgp importing `names` (one slice each, `extra` adds an address to one) and exporting `own`. */
function result(names: readonly string[], extra?: string): McsClusterResult {
  return {
    cluster: 'sgp',
    serviceImports: names.map((name) => ({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name, namespace: 'shop' }, spec: { type: 'ClusterSetIP', ports: [{ port: 80, protocol: 'TCP' }] } })),
    endpointSlices: names.map((name) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-jkt`, namespace: 'shop', labels: { 'multicluster.kubernetes.io/service-name': name } }, addressType: 'IPv4', endpoints: [{ addresses: name === extra ? ['10.1.0.1', '10.1.0.2'] : ['10.1.0.1'] }] })),
    serviceExports: [{ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'own', namespace: 'shop' }, status: { conditions: [] } }],
  } as unknown as McsClusterResult;
}

describe('write-back units', () => {
  it('cuts a result into one unit per import (with its slices) and one per own export, sorted', () => {
    const units = planUnits(result(['b', 'a']));
    assert.deepEqual(units.map((u) => `${u.key}:${String(u.slices.length)}`), ['export/shop/own:0', 'import/shop/a:1', 'import/shop/b:1']);
    const a = units[1];
    assert.ok(a);
    assert.deepEqual(unitObjectKeys(a), ['EndpointSlice/shop/a-jkt', `Service/shop/${derivedServiceName('shop', 'a')}`, 'ServiceImport/shop/a']);
  });

  it('a new result with equal content (new objects) changes nothing; one changed slice changes its unit only; a gone import is removed', () => {
    const before = new Map(planUnits(result(['a', 'b', 'c'])).map((u) => [u.key, u]));
    assert.deepEqual(diffUnits(before, planUnits(result(['a', 'b', 'c']))), { changed: [], removed: [] });
    assert.deepEqual(diffUnits(before, planUnits(result(['a', 'b', 'c'], 'b'))), { changed: ['import/shop/b'], removed: [] });
    assert.deepEqual(diffUnits(before, planUnits(result(['a', 'c', 'd']))), { changed: ['import/shop/d'], removed: ['import/shop/b'] });
  });

  it('finds the unit of an object Lintas wrote from its kind and MCS label', () => {
    assert.equal(unitOfWritten('ServiceImport', 'shop', 'web', undefined), 'import/shop/web');
    assert.equal(unitOfWritten('EndpointSlice', 'shop', 'web-x', { 'multicluster.kubernetes.io/service-name': 'web' }), 'import/shop/web');
    assert.equal(unitOfWritten('Service', 'shop', 'derived-1', undefined), undefined);
  });
});
