import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrafficEdge } from '../api/types.ts';
import { edgeHealth, edgeLabel, edgeWidth, MAX_WIDTH, MIN_WIDTH, styleEdges } from './edges.ts';

const edge = (rps: number, errorRatio = 0, p99Ms?: number): TrafficEdge => ({ entry: 'jkt', destination: 'sgp', rps, errorRatio, requests: Math.round(rps * 10), ...(p99Ms === undefined ? {} : { p99Ms }) });

describe('traffic edge styling', () => {
  it('scales width by rps relative to the busiest edge, within bounds', () => {
    assert.equal(edgeWidth(100, 100), MAX_WIDTH);
    assert.equal(edgeWidth(0, 100), MIN_WIDTH);
    assert.equal(edgeWidth(25, 100), 5.3);
    assert.ok(edgeWidth(1, 100) > MIN_WIDTH && edgeWidth(1, 100) < edgeWidth(25, 100));
    assert.equal(edgeWidth(5, 0), MIN_WIDTH);
  });

  it('colours by 5xx ratio bands; 0 rps is idle', () => {
    assert.equal(edgeHealth(edge(5, 0)), 'ok');
    assert.equal(edgeHealth(edge(5, 0.02)), 'warn');
    assert.equal(edgeHealth(edge(5, 0.5)), 'bad');
    assert.equal(edgeHealth(edge(0, 0)), 'idle');
  });

  it('draws a drained (0 rps) edge dashed and faded, and live ones solid', () => {
    const [live, drained] = styleEdges([edge(10, 0, 12), edge(0)]);
    assert.equal(live?.dashed, false);
    assert.equal(drained?.dashed, true);
    assert.ok((drained?.opacity ?? 1) < (live?.opacity ?? 0));
    assert.equal(live?.width, MAX_WIDTH);
    assert.notEqual(live?.color, drained?.color);
  });

  it('labels rate, 5xx ratio and p99', () => {
    assert.equal(edgeLabel(edge(12.34, 0.004, 18.4)), '12.3 req/s · 0.4% 5xx · p99 18 ms');
    assert.equal(edgeLabel(edge(250, 0)), '250 req/s · 0.0% 5xx');
    assert.equal(edgeLabel(edge(1, 0.0005)), '1.0 req/s · 0.05% 5xx');
  });
});
