/** Tests of the east-west memo: an unchanged import's listeners and upstream come back as the same objects, with equal output. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MCS_SERVICE_NAME_LABEL, type Sourced } from '../../api/index.ts';
import { EMPTY_MCS_STATE, translateMcs } from '../mcs/index.ts';
import { HealthAnnotation } from './health.ts';
import { eastWestMemoStats } from './east-west.ts';
import { loadGatewayCase } from './testdata-loader.ts';
import { translateGateway } from './translate.ts';
import type { GatewayInput } from './types.ts';

const NOW = '2026-05-01T12:00:00Z';

function input(): GatewayInput {
  const c = loadGatewayCase(readFileSync(new URL('./testdata/east-west.in.yaml', import.meta.url), 'utf8'), 'east-west');
  return { snapshot: c.snapshot, mcs: translateMcs({ snapshot: c.snapshot, now: NOW, state: EMPTY_MCS_STATE }), now: NOW, eastWest: true };
}

const eastWestOf = (ir: ReturnType<typeof translateGateway>['ir']) => ({
  listeners: ir.listeners.filter((l) => l.entryBySource !== undefined),
  tcpListeners: ir.tcpListeners ?? [],
  upstreams: ir.upstreams.filter((u) => u.kind === 'ServiceImport'),
});

describe('east-west memo', () => {
  it('gives an unchanged import its last listeners and upstreams by reference, without building them again', () => {
    const same = input();
    const first = eastWestOf(translateGateway(same).ir);
    assert.ok(first.listeners.length + first.tcpListeners.length > 0, 'the case has ClusterSetIP listeners');
    const built = eastWestMemoStats.built;
    const second = eastWestOf(translateGateway(same).ir);
    assert.equal(eastWestMemoStats.built, built, 'no import port was built again');
    assert.equal(second.listeners.length, first.listeners.length);
    second.listeners.forEach((l, i) => assert.equal(l, first.listeners[i], `listener ${l.key} reused`));
    second.tcpListeners.forEach((l, i) => assert.equal(l, first.tcpListeners[i], `TCP listener ${l.key} reused`));
    second.upstreams.forEach((u, i) => assert.equal(u, first.upstreams[i], `upstream ${u.key} reused`));
  });

  it('returns exactly what a cold translation returns (new import objects miss the memo)', () => {
    const warm = input();
    translateGateway(warm);
    const again = translateGateway(warm).ir;
    const cold = translateGateway(structuredClone(input())).ir;
    assert.deepEqual(again, cold);
  });

  it('rebuilds an import whose ServiceImport object changed, and only that one', () => {
    const base = input();
    const first = eastWestOf(translateGateway(base).ir);
    const built = eastWestMemoStats.built;
    // A new ServiceImport object for one import (as the MCS translator gives a changed import): same content here.
    const target = base.mcs.clusters.flatMap((c) => c.serviceImports).find((si) => si.spec.type === 'ClusterSetIP');
    assert.ok(target !== undefined, 'the first cluster imports a ClusterSetIP service');
    const copy = structuredClone(target);
    const mcs = { ...base.mcs, clusters: base.mcs.clusters.map((c) => ({ ...c, serviceImports: c.serviceImports.map((si) => (si === target ? copy : si)) })) };
    const second = eastWestOf(translateGateway({ ...base, mcs }).ir);
    assert.equal(eastWestMemoStats.built - built, copy.spec.ports.filter((p) => (p.protocol ?? 'TCP') === 'TCP').length, 'only the changed import was built');
    assert.deepEqual(second, first);
    const prefix = `${copy.metadata.namespace ?? 'default'}/${copy.metadata.name}`;
    for (const [i, l] of second.listeners.entries()) {
      const rebuilt = l.virtualHosts[0]?.listener === prefix;
      assert.equal(l === first.listeners[i], !rebuilt, `listener ${l.key}: ${rebuilt ? 'rebuilt' : 'reused'}`);
    }
  });

  it('does not build an unchanged import\'s upstream again; a changed source Service or imported slice rebuilds it', () => {
    const base = input();
    const first = translateGateway(base).ir;
    const built = eastWestMemoStats.upstreamsBuilt;
    translateGateway(base);
    assert.equal(eastWestMemoStats.upstreamsBuilt, built, 'same inputs: no upstream built');

    // The exporters' Service gets a health-check annotation (a new object, as a source gives an edited one).
    const target = base.mcs.clusters.flatMap((c) => c.serviceImports).find((si) => si.spec.type === 'ClusterSetIP');
    assert.ok(target !== undefined);
    const annotated = (o: Sourced): Sourced =>
      o.object.kind === 'Service' && o.object.metadata.name === target.metadata.name && o.object.metadata.namespace === target.metadata.namespace
        ? { ...o, object: { ...o.object, metadata: { ...o.object.metadata, annotations: { ...o.object.metadata.annotations, [HealthAnnotation.path]: '/healthz' } } } }
        : o;
    const clusters = new Map([...base.snapshot.clusters].map(([n, c]) => [n, { ...c, objects: c.objects.map(annotated) }]));
    const edited: GatewayInput = { ...base, snapshot: { ...base.snapshot, clusters } };
    const warm = translateGateway(edited).ir;
    assert.deepEqual(warm, translateGateway(structuredClone(edited)).ir, 'equal to a cold translation');
    assert.notDeepEqual(warm.upstreams, first.upstreams, 'the health check reached the upstream');

    // One imported slice loses its endpoints (a new slice object; the ServiceImport stays the same object).
    const slice = base.mcs.clusters.flatMap((c) => c.endpointSlices).find((s) => s.metadata.namespace === target.metadata.namespace && s.metadata.labels?.[MCS_SERVICE_NAME_LABEL] === target.metadata.name && s.endpoints.length > 0);
    assert.ok(slice !== undefined);
    const emptied = { ...slice, endpoints: [] };
    const mcs = { ...base.mcs, clusters: base.mcs.clusters.map((c) => ({ ...c, endpointSlices: c.endpointSlices.map((s) => (s === slice ? emptied : s)) })) };
    translateGateway(base);
    const drained = translateGateway({ ...base, mcs }).ir;
    assert.deepEqual(drained, translateGateway(structuredClone({ ...base, mcs })).ir, 'equal to a cold translation');
    assert.notDeepEqual(drained.upstreams, first.upstreams, 'the emptied slice reached the upstream');
  });

  it('a version label put on an exporter\'s own slice reaches the upstream though the imported slices are the same objects', () => {
    const base = input();
    const target = base.mcs.clusters.flatMap((c) => c.serviceImports).find((si) => si.spec.type === 'ClusterSetIP');
    assert.ok(target !== undefined);
    translateGateway(base);
    // The source cluster's own EndpointSlice gets `version: v2` (a new object); the MCS result is unchanged.
    const labelled = (o: Sourced): Sourced =>
      o.object.kind === 'EndpointSlice' && o.object.metadata.namespace === target.metadata.namespace && o.object.metadata.labels?.['kubernetes.io/service-name'] === target.metadata.name
        ? { ...o, object: { ...o.object, metadata: { ...o.object.metadata, labels: { ...o.object.metadata.labels, version: 'v2' } } } }
        : o;
    const clusters = new Map([...base.snapshot.clusters].map(([n, c]) => [n, { ...c, objects: c.objects.map(labelled) }]));
    const edited: GatewayInput = { ...base, snapshot: { ...base.snapshot, clusters } };
    const warm = translateGateway(edited).ir;
    assert.deepEqual(warm, translateGateway(structuredClone(edited)).ir, 'equal to a cold translation');
    const versions = warm.upstreams.filter((u) => u.kind === 'ServiceImport' && u.name === target.metadata.name).flatMap((u) => u.endpoints.map((e) => e.version));
    assert.ok(versions.includes('v2'), `the label reached the upstream endpoints: ${JSON.stringify(versions)}`);
  });
});
