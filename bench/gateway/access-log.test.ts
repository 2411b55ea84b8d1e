import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessLogStats } from './access-log.ts';

const line = (route: string | null, status: number, upstream: string | null): string => `${JSON.stringify({ route, status, upstream, path: '/x' })}\n`;

test('counts every line and summarises routes, statuses and upstreams of the tail', () => {
  const log = Buffer.from(line('bench/route-0#0', 404, null) + line('bench/route-49#0', 200, '127.77.0.1:9') + line('bench/route-49#0', 200, '127.77.0.2:9') + line('bench/route-49#0', 502, '127.77.0.2:9'));
  const all = accessLogStats(log);
  assert.deepEqual(all, { lines: 4, bytes: log.length, sampled: 4, routes: ['bench/route-0#0', 'bench/route-49#0'], statuses: ['200', '404', '502'], upstreams: 2, unparsed: 0 });
  const last2 = accessLogStats(log, 2);
  assert.equal(last2.lines, 4);
  assert.equal(last2.sampled, 2);
  assert.deepEqual(last2.routes, ['bench/route-49#0']);
  assert.deepEqual(last2.statuses, ['200', '502']);
  assert.equal(last2.upstreams, 1);
});

test('an empty log, a partial last line and garbage are reported, not thrown', () => {
  assert.deepEqual(accessLogStats(Buffer.alloc(0)), { lines: 0, bytes: 0, sampled: 0, routes: [], statuses: [], upstreams: 0, unparsed: 0 });
  const s = accessLogStats(Buffer.from(`${line('r', 200, 'u')}not json\n42\n{"route":"r","sta`));
  assert.equal(s.lines, 3);
  assert.equal(s.sampled, 4);
  assert.equal(s.unparsed, 3);
  assert.deepEqual(s.routes, ['r']);
});
