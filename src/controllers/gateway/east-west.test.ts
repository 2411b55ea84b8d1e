/** Tests of the east-west memo: an unchanged import's listeners and upstream come back as the same objects, with equal output. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EMPTY_MCS_STATE, translateMcs } from '../mcs/index.ts';
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
});
