import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILOVER_PHASES } from '../../../src/controllers/failover/types.ts';
import { machineDiagram, NODE, PHASES, TRANSITIONS } from './state-machine.ts';

describe('failover state machine diagram', () => {
  it('draws exactly the server\'s phases, in its order', () => {
    assert.deepEqual([...PHASES], [...FAILOVER_PHASES]);
  });

  it('places every phase in its own cell inside the canvas', () => {
    const d = machineDiagram([]);
    const cells = new Set(d.nodes.map((n) => `${String(n.x)},${String(n.y)}`));
    assert.equal(cells.size, PHASES.length);
    assert.ok(d.nodes.every((n) => n.x >= 0 && n.y >= 0 && n.x + NODE.width <= d.width && n.y + NODE.height <= d.height));
  });

  it('every phase is reachable from Normal and can lead back to it', () => {
    const reach = (start: string, dir: 'from' | 'to'): Set<string> => {
      const seen = new Set([start]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const t of TRANSITIONS) {
          const [a, b] = dir === 'from' ? [t.from, t.to] : [t.to, t.from];
          if (seen.has(a) && !seen.has(b)) grew = seen.add(b).size > 0;
        }
      }
      return seen;
    };
    assert.equal(reach('Normal', 'from').size, PHASES.length);
    assert.equal(reach('Normal', 'to').size, PHASES.length);
  });

  it('highlights the current phase, names its owner, and marks the transitions that can come next', () => {
    const d = machineDiagram([{ primary: 'sgp-prod-1', phase: 'FailoverPending' }]);
    assert.deepEqual(d.nodes.filter((n) => n.current).map((n) => [n.phase, n.machines]), [['FailoverPending', ['sgp-prod-1']]]);
    assert.deepEqual(d.edges.filter((e) => e.next).map((e) => e.to).sort(), ['Aborted', 'FailingOver', 'Normal']);
  });

  it('highlights one phase per machine when a policy has several owners', () => {
    const d = machineDiagram([{ primary: 'a', phase: 'Normal' }, { primary: 'b', phase: 'FailedOver' }, { primary: 'c', phase: 'Normal' }]);
    assert.deepEqual(d.nodes.filter((n) => n.current).map((n) => [n.phase, n.machines]), [['Normal', ['a', 'c']], ['FailedOver', ['b']]]);
  });

  it('draws opposite transitions (propose / withdraw) as two different curves', () => {
    const d = machineDiagram([]);
    const there = d.edges.find((e) => e.from === 'Normal' && e.to === 'FailoverPending');
    const back = d.edges.find((e) => e.from === 'FailoverPending' && e.to === 'Normal');
    assert.ok(there !== undefined && back !== undefined && there.d !== back.d);
  });
});
