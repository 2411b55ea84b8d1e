import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contains, difference, drift, isLintasOwned, markOwned, type LiveObject } from './ownership.ts';

describe('ownership', () => {
  const body = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'derived-1', namespace: 'shop', labels: { a: 'b' } }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };

  it("is Lintas's only with the owner label, the owner annotation and the lintas field manager", () => {
    const marked = markOwned(body, 'lintas') as LiveObject;
    const meta = marked.metadata ?? {};
    assert.equal(isLintasOwned({ ...marked, metadata: { ...meta, managedFields: [{ manager: 'lintas' }] } }, 'lintas'), true);
    // A user's look-alike: every label and annotation copied, written by another manager.
    assert.equal(isLintasOwned({ ...marked, metadata: { ...meta, managedFields: [{ manager: 'kubectl' }] } }, 'lintas'), false);
    assert.equal(isLintasOwned({ ...marked, metadata: { ...meta, managedFields: [{ manager: 'lintas' }] } }, 'other-instance'), false);
    assert.equal(isLintasOwned({ ...body, metadata: { ...body.metadata, managedFields: [{ manager: 'lintas' }] } }, 'lintas'), false);
  });

  it('compares as a subset: server defaults are ignored, an absent list or object holds [] and {}', () => {
    assert.equal(contains({ spec: { ports: [{ port: 80, targetPort: 80 }], clusterIP: '10.0.0.1' } }, { spec: { ports: [{ port: 80 }] } }), true);
    assert.equal(contains({ endpoints: null }, { endpoints: [] }), true);
    assert.equal(contains({}, { metadata: { annotations: {} } }), true);
    assert.equal(difference({ spec: { ports: [{ port: 81 }] } }, { spec: { ports: [{ port: 80 }] } }), '.spec.ports[0].port');
    assert.equal(difference({ spec: { ports: [{ port: 80 }, { port: 81 }] } }, { spec: { ports: [{ port: 80 }] } }), '.spec.ports');
    assert.equal(difference({}, { spec: { type: 'ClusterIP' } }), '.spec.type');
  });

  it('drifts when Lintas last applied another body (a dropped field may linger) or a field changed', () => {
    const marked = markOwned(body, 'lintas');
    const live = structuredClone(marked) as LiveObject;
    assert.equal(drift(live, marked), undefined);
    assert.equal(drift(live, markOwned({ ...body, metadata: { ...body.metadata, labels: {} } }, 'lintas')), 'applied-hash');
    const edited = structuredClone(marked) as { spec: { ports: { port: number }[] } } & LiveObject;
    edited.spec.ports[0] = { ...edited.spec.ports[0], port: 8080 };
    assert.equal(drift(edited, marked), '.spec.ports[0].port');
  });
});
