import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorVerdict, MAX_ERROR_RATE, parseWrk, parseWrkTime, wrkArgs } from './wrk.ts';

/** Verbatim from wrk 4.1.0 (Debian) through the nginx proxy peer. */
const CLEAN = `Running 2s test @ http://127.0.0.1:18082/svc-49/bench
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.17ms    1.08ms   9.87ms   84.79%
    Req/Sec    29.98k     7.82k   37.77k    80.95%
  Latency Distribution
     50%    1.87ms
     75%    2.44ms
     90%    3.66ms
     99%    6.27ms
  62666 requests in 2.10s, 8.55MB read
Requests/sec:  29823.81
Transfer/sec:      4.07MB
`;

/** Every response a 404: units mix us and ms in one table. */
const ALL_404 = `Running 2s test @ http://127.0.0.1:18082/nothing
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   708.78us  242.58us   4.74ms   87.90%
    Req/Sec    89.02k    13.98k  104.42k    70.00%
  Latency Distribution
     50%  651.00us
     75%  703.00us
     90%    0.94ms
     99%    1.61ms
  176857 requests in 2.00s, 49.59MB read
  Non-2xx or 3xx responses: 176857
Requests/sec:  88325.82
Transfer/sec:     24.76MB
`;

/** A run with socket errors and second-scale latencies (a struggling server). */
const SOCKET_ERRORS = `Running 8s test @ http://127.0.0.1:9/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02s   300.12ms   2.00s    70.00%
    Req/Sec    100.00     20.00   150.00     60.00%
  Latency Distribution
     50%    1.01s
     75%    1.20s
     90%    1.50s
     99%    1.98s
  1000 requests in 8.01s, 120.00KB read
  Socket errors: connect 2, read 3, write 4, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:    124.84
Transfer/sec:     14.98KB
`;

test('parseWrkTime handles every unit wrk prints', () => {
  assert.equal(parseWrkTime('651.00us'), 0.651);
  assert.equal(parseWrkTime('1.87ms'), 1.87);
  assert.equal(parseWrkTime('2.00s'), 2000);
  assert.equal(parseWrkTime('1.50m'), 90_000);
  assert.equal(parseWrkTime('1.00h'), 3_600_000);
  assert.equal(parseWrkTime(' 3ms '), 3);
  assert.throws(() => parseWrkTime('12'), /not a wrk time/);
  assert.throws(() => parseWrkTime('1.2 ms'), /not a wrk time/);
});

test('parseWrk reads throughput, the latency table and no errors from a clean run', () => {
  const r = parseWrk(CLEAN);
  assert.equal(r.requests, 62666);
  assert.equal(r.durationSeconds, 2.1);
  assert.equal(r.requestsPerSecond, 29823.81);
  assert.deepEqual(r.latency, { avgMs: 2.17, stdevMs: 1.08, maxMs: 9.87, p50Ms: 1.87, p75Ms: 2.44, p90Ms: 3.66, p99Ms: 6.27 });
  assert.deepEqual(r.socketErrors, { connect: 0, read: 0, write: 0, timeout: 0 });
  assert.equal(r.non2xx3xx, 0);
  assert.equal(r.errors, 0);
  assert.equal(r.errorRate, 0);
  assert.equal(errorVerdict('nginx', r), undefined);
});

test('parseWrk converts microseconds and counts non-2xx/3xx responses as errors', () => {
  const r = parseWrk(ALL_404);
  assert.equal(r.latency.avgMs, 0.70878);
  assert.equal(r.latency.p50Ms, 0.651);
  assert.equal(r.latency.p90Ms, 0.94);
  assert.equal(r.latency.maxMs, 4.74);
  assert.equal(r.non2xx3xx, 176857);
  assert.equal(r.errorRate, 1);
  assert.match(errorVerdict('lintas', r) ?? '', /^lintas: 100\.00% of requests failed \(limit 1%\): 176857 non-2xx\/3xx/);
});

test('parseWrk sums socket errors; connect errors count as attempts that never became requests', () => {
  const r = parseWrk(SOCKET_ERRORS);
  assert.deepEqual(r.socketErrors, { connect: 2, read: 3, write: 4, timeout: 1 });
  assert.equal(r.non2xx3xx, 5);
  assert.equal(r.errors, 15);
  assert.equal(r.errorRate, 15 / 1002);
  assert.equal(r.latency.p99Ms, 1980);
  assert.equal(r.latency.stdevMs, 300.12);
  assert.match(errorVerdict('lintas', r) ?? '', /connect 2 read 3 write 4 timeout 1, of 1000 requests/);
});

test('errorVerdict allows up to 1 % errors and rejects a run with no requests', () => {
  const base = parseWrk(CLEAN);
  assert.equal(errorVerdict('x', { ...base, errorRate: MAX_ERROR_RATE }), undefined);
  assert.notEqual(errorVerdict('x', { ...base, errorRate: MAX_ERROR_RATE + 0.0001 }), undefined);
  assert.equal(errorVerdict('x', { ...base, requests: 0 }), 'x: wrk completed no requests');
});

test('parseWrk fails loudly on output it does not understand', () => {
  assert.throws(() => parseWrk(''), /no "N requests in T" line/);
  assert.throws(() => parseWrk(CLEAN.replace(/^Requests\/sec.*$/m, '')), /no "Requests\/sec:" line/);
  assert.throws(() => parseWrk(CLEAN.replace(/^\s+99%.*$/m, '')), /99% latency row/);
  assert.throws(() => parseWrk(CLEAN.replace(/^\s+Latency\s+2\.17.*$/m, '')), /Thread Stats/);
  assert.throws(() => parseWrk(CLEAN.replace('1.87ms', '1.87xs')), /not a wrk time/);
});

test('wrkArgs asks for the latency table, a bounded duration and a timeout', () => {
  assert.deepEqual(wrkArgs({ url: 'http://127.0.0.1:1/', threads: 1, connections: 64, seconds: 8, timeoutSeconds: 2 }), [
    '-t', '1', '-c', '64', '-d', '8s', '--timeout', '2s', '--latency', 'http://127.0.0.1:1/',
  ]);
});
