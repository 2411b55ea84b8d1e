import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { ACCESS_LOG_FIELDS, AccessLogWriter, formatAccessLog, jsonMs, jsonString, type AccessLogRecord } from './access-log.ts';

const record: AccessLogRecord = {
  time: Date.UTC(2026, 0, 2, 3, 4, 5, 67),
  request_id: 'rid',
  trace_id: 'tid',
  entry_region: 'r1',
  entry_cluster: 'c1',
  destination_region: null,
  destination_cluster: 'c2',
  gateway: 'ns/gw',
  listener: 'http',
  route: 'ns/r/0',
  service: 'ns/svc',
  service_import: null,
  upstream: '10.0.0.1:80',
  backend_version: 'v2',
  failover_mode: null,
  routing_mode: null,
  policy: null,
  request_class: null,
  owner: null,
  owner_epoch: null,
  method: 'GET',
  authority: 'a.example.com',
  path: '/p?"q"=\\',
  status: 200,
  duration_ms: 1.23456,
  upstream_duration_ms: null,
  retries: 1,
  response_flags: '-',
  grpc_status: null,
};

describe('access log line', () => {
  test('is one JSON object with exactly the listed fields, in order', () => {
    const line = formatAccessLog(record);
    assert.ok(line.endsWith('}\n'));
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), [...ACCESS_LOG_FIELDS]);
    assert.deepEqual(parsed, { ...record, time: '2026-01-02T03:04:05.067Z', duration_ms: 1.235 });
  });
});

describe('AccessLogWriter', () => {
  test('batches lines to a function sink off the calling tick (timer or size)', async () => {
    const chunks: string[] = [];
    const w = new AccessLogWriter((c) => chunks.push(c));
    w.push('a\n');
    w.push('b\n');
    assert.equal(chunks.length, 0);
    const deadline = Date.now() + 5_000;
    while (chunks.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(chunks, ['a\nb\n']);
    const big = 'x'.repeat(70 * 1024);
    w.push(`${big}\n`);
    assert.equal(chunks.length, 2); // over the size threshold: written at once
    await w.close();
  });

  test('a slow Writable: lines beyond the bound are dropped and counted, the rest arrive after drain', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _enc, cb) {
        written.push(chunk.toString('utf8'));
        release = cb; // completes only when the test says so
      },
    });
    const w = new AccessLogWriter(slow, 20);
    w.push('first-line\n');
    w.flush(); // written; the sink is now over its mark
    for (let i = 0; i < 5; i++) w.push('0123456789\n'); // 11 bytes each, bound 20: one fits
    assert.equal(w.dropped, 4);
    w.flush();
    assert.deepEqual(written, ['first-line\n']); // waiting for drain, nothing more written
    release?.();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(written, ['first-line\n', '0123456789\n']);
    release?.();
    await w.close(100);
  });

  test('a throwing sink drops (and counts) instead of throwing', async () => {
    const w = new AccessLogWriter(() => {
      throw new Error('broken sink');
    });
    w.push('x\n');
    w.push('y\n');
    w.flush();
    assert.equal(w.dropped, 2);
  });
});

describe('JSON helpers', () => {
  test('jsonString escapes exactly like JSON.stringify', () => {
    for (const s of ['plain', 'q"uote', 'back\\slash', 'tab\t', 'nl\n', '\u0000', 'é', '😀', '\u007f', '']) {
      assert.equal(jsonString(s), JSON.stringify(s));
    }
    assert.equal(jsonString(null), 'null');
  });

  test('jsonMs keeps at most three decimals', () => {
    const cases: [number | null, string][] = [
      [0, '0'],
      [1, '1'],
      [1.2345, '1.235'],
      [1.05, '1.05'.padEnd(5, '0')],
      [12.0004, '12'],
      [0.001, '0.001'],
      [null, 'null'],
    ];
    for (const [n, want] of cases) {
      assert.equal(jsonMs(n), want);
      if (n !== null) assert.ok(Math.abs(Number(jsonMs(n)) - n) < 0.0006);
    }
  });
});
