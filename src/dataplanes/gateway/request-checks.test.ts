import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attemptPhase, classifyAttemptError, FAILURE_CLASSES, type AttemptFailure } from './attempt-errors.ts';
import { absoluteTarget, requestHeadProblem, upstreamHeadersProblem, type CheckedHead } from './request-checks.ts';

const ok: CheckedHead = { host: 'cases.example.com', hostLines: 1, contentLength: -1, contentLengthLines: 0, transferEncoding: undefined, httpVersion: '1.1' };

describe('request head checks (RFC 9112 §3.2, §6.1)', () => {
  const cases: readonly (readonly [string, Partial<CheckedHead>, string | undefined, (string | undefined)?])[] = [
    ['a plain request', {}, undefined],
    ['two Host lines', { hostLines: 2 }, 'more than one Host'],
    ['Host with a space', { host: 'cases .example.com' }, 'invalid Host'],
    ['Host with userinfo', { host: 'u@cases.example.com' }, 'invalid Host'],
    ['Host with a port and an IPv6 literal', { host: '[::1]:8080' }, undefined],
    ['an empty Host (allowed: no authority)', { host: '' }, undefined],
    ['absolute-form agreeing with Host', {}, undefined, 'http://CASES.example.com:80/x'],
    ['absolute-form disagreeing with Host', {}, 'disagrees', 'http://other.example.com/x'],
    ['absolute-form with another port', {}, 'disagrees', 'http://cases.example.com:8080/x'],
    ['absolute-form with userinfo', {}, 'userinfo', 'http://u@cases.example.com/x'],
    ['two Content-Length lines', { contentLengthLines: 2, contentLength: 2 }, 'more than one Content-Length'],
    ['a Content-Length that is not a number', { contentLengthLines: 1, contentLength: Number.NaN }, 'invalid Content-Length'],
    ['chunked', { transferEncoding: 'Chunked' }, undefined],
    ['chunked with Content-Length', { transferEncoding: 'chunked', contentLengthLines: 1, contentLength: 3 }, 'both Transfer-Encoding and Content-Length'],
    ['chunked twice', { transferEncoding: 'chunked, chunked' }, 'more than once'],
    ['chunked twice over two lines', { transferEncoding: 'chunked,chunked' }, 'more than once'],
    ['chunked not last', { transferEncoding: 'chunked, gzip' }, 'not the final coding'],
    ['gzip, chunked', { transferEncoding: 'gzip, chunked' }, 'not supported'],
    ['empty', { transferEncoding: ' , ' }, 'empty Transfer-Encoding'],
    ['in HTTP/1.0', { transferEncoding: 'chunked', httpVersion: '1.0' }, 'HTTP/1.0'],
  ];
  for (const [name, change, want, url] of cases) {
    test(name, () => {
      const problem = requestHeadProblem({ ...ok, ...change }, url === undefined ? undefined : absoluteTarget(url));
      if (want === undefined) assert.equal(problem, undefined);
      else assert.match(problem ?? '(none)', new RegExp(want));
    });
  }

  test('absolute-form targets split into scheme, authority and origin-form rest', () => {
    assert.deepEqual(absoluteTarget('HTTP://a.example:81?q=1'), { scheme: 'http', authority: 'a.example:81', target: '/?q=1' });
    assert.deepEqual(absoluteTarget('https://a.example/p/q'), { scheme: 'https', authority: 'a.example', target: '/p/q' });
    assert.equal(absoluteTarget('/p'), undefined);
    assert.equal(absoluteTarget('*'), undefined);
  });
});

describe('the forwarded request, checked as the upstream client checks it', () => {
  test('tokens, field values, one Host, one Content-Length', () => {
    assert.equal(upstreamHeadersProblem(['host', 'a', 'x-note', 'caf\u00e9 \t ok', 'content-length', '2']), undefined);
    assert.match(upstreamHeadersProblem(['host', 'a', 'host', 'a']) ?? '', /more than one Host/);
    assert.match(upstreamHeadersProblem(['content-length', '1', 'content-length', '1']) ?? '', /more than one Content-Length/);
    assert.match(upstreamHeadersProblem(['x{y}', '1']) ?? '', /not a token/);
    assert.match(upstreamHeadersProblem(['x-a', 'a\x7fb']) ?? '', /control character/);
    assert.match(upstreamHeadersProblem(['x-a', 'a\r\nb']) ?? '', /control character/);
  });
});

describe('attempt failures are classified by phase (issue 14)', () => {
  const timeout = Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
  const reset = Object.assign(new Error('r'), { code: 'ECONNRESET' });
  const invalid = Object.assign(new Error('i'), { name: 'InvalidArgumentError' });
  const cases: readonly (readonly [Parameters<typeof attemptPhase>[0], Error, AttemptFailure])[] = [
    [{ building: true, connected: false, headersSeen: false }, reset, 'invalid_request'],
    [{ building: true, connected: true, headersSeen: false }, reset, 'invalid_request'],
    [{ building: false, connected: false, headersSeen: false }, Object.assign(new Error('c'), { code: 'ECONNREFUSED' }), 'connect'],
    [{ building: false, connected: false, headersSeen: false }, Object.assign(new Error('c'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'connect'],
    [{ building: false, connected: false, headersSeen: false }, invalid, 'invalid_request'],
    [{ building: false, connected: true, headersSeen: false }, reset, 'reset_before_response'],
    [{ building: false, connected: true, headersSeen: false }, timeout, 'timeout'],
    [{ building: false, connected: true, headersSeen: true }, reset, 'reset_mid_response'],
    [{ building: false, connected: true, headersSeen: true }, Object.assign(new Error('t'), { name: 'BodyTimeoutError' }), 'timeout'],
  ];
  for (const [state, err, want] of cases) {
    test(`${attemptPhase(state)} + ${err.name}/${String((err as { code?: string }).code)} → ${want}`, () => {
      assert.equal(classifyAttemptError(attemptPhase(state), err), want);
    });
  }

  test('each class has its own response flag; only an invalid request is not charged to the backend', () => {
    const flags = Object.values(FAILURE_CLASSES).map((c) => c.flag);
    assert.equal(new Set(flags).size, flags.length);
    const uncharged = Object.entries(FAILURE_CLASSES)
      .filter(([, c]) => c.outcome.uncharged === true)
      .map(([k]) => k);
    assert.deepEqual(uncharged, ['invalid_request']);
    assert.equal(FAILURE_CLASSES.invalid_request.status, 400);
  });
});
