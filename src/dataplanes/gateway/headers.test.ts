import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { modifyHeaders } from './filters.ts';
import { responseHeaders, scanRequestHeaders, type RequestHead } from './headers.ts';
import { newTraceparent, traceIdOf } from './ids.ts';

function head(): RequestHead {
  return {
    host: '',
    hostLines: 0,
    contentLength: -1,
    contentLengthLines: 0,
    chunked: false,
    transferEncoding: undefined,
    connectionTokens: undefined,
    idempotencyKey: false,
    forwardedFor: undefined,
    requestId: undefined,
    traceparent: undefined,
    clientEpoch: undefined,
  };
}

describe('request headers (RFC 9110 hop-by-hop, proxy headers)', () => {
  test('hop-by-hop, Connection-named and X-Lintas-Owner* fields are dropped; the rest kept lower-cased, duplicates kept', () => {
    const h = head();
    const out = scanRequestHeaders(
      [
        'Host', 'a.example.com',
        'Connection', 'keep-alive, X-Secret',
        'Keep-Alive', 'timeout=5',
        'Proxy-Connection', 'x',
        'TE', 'trailers',
        'Transfer-Encoding', 'chunked',
        'Upgrade', 'h2c',
        'Trailer', 'x',
        'Expect', '100-continue',
        'X-Secret', 'drop me',
        'Accept', 'a',
        'Accept', 'b',
        'X-Forwarded-For', '10.0.0.1',
        'X-Forwarded-Proto', 'https',
        'X-Forwarded-Host', 'spoofed',
        'X-Request-Id', 'rid-1',
        'Traceparent', 'tp',
        'Idempotency-Key', 'k1',
        'X-Lintas-Owner', 'forged-cluster',
        'X-Lintas-Owner-Epoch', '3',
        'Content-Length', '12',
      ],
      h,
    );
    assert.deepEqual(out, ['host', 'a.example.com', 'accept', 'a', 'accept', 'b', 'idempotency-key', 'k1', 'content-length', '12']);
    assert.deepEqual(h, {
      host: 'a.example.com',
      hostLines: 1,
      contentLength: 12,
      contentLengthLines: 1,
      chunked: true,
      transferEncoding: 'chunked',
      connectionTokens: ['x-secret'],
      idempotencyKey: true,
      forwardedFor: '10.0.0.1',
      requestId: 'rid-1',
      traceparent: 'tp',
      clientEpoch: '3',
    });
  });

  test('repeated X-Forwarded-For fields are joined in order', () => {
    const h = head();
    scanRequestHeaders(['x-forwarded-for', '1.1.1.1', 'x-forwarded-for', '2.2.2.2'], h);
    assert.equal(h.forwardedFor, '1.1.1.1, 2.2.2.2');
  });
});

describe('response headers', () => {
  test('hop-by-hop dropped (any case), Set-Cookie duplicates and case kept', () => {
    const raw = ['Content-Type', 'text/plain', 'CONNECTION', 'close, x-hop', 'Transfer-Encoding', 'chunked', 'Keep-Alive', 'timeout=5', 'X-Hop', 'no', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'].map((s) =>
      Buffer.from(s, 'latin1'),
    );
    assert.deepEqual(responseHeaders(raw), ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
  });
});

describe('header modifiers (RequestHeaderModifier / ResponseHeaderModifier)', () => {
  test('set overwrites, add appends with a comma, remove deletes; names case-insensitive', () => {
    const h = ['host', 'x', 'X-Set', 'old', 'x-set', 'old2', 'X-Add', 'some-other-value', 'x-remove', 'bye', 'keep', 'k'];
    modifyHeaders(h, {
      set: [{ name: 'x-set', value: 'new' }, { name: 'x-new', value: 'n' }],
      add: [{ name: 'x-add', value: 'add-appends-values' }, { name: 'x-fresh', value: 'f' }],
      remove: ['X-Remove'],
    });
    assert.deepEqual(h, ['host', 'x', 'X-Add', 'some-other-value,add-appends-values', 'keep', 'k', 'x-set', 'new', 'x-new', 'n', 'x-fresh', 'f']);
  });
});

describe('W3C traceparent', () => {
  test('valid values give their trace id; invalid ones do not', () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    assert.equal(traceIdOf(`00-${trace}-00f067aa0ba902b7-01`), trace);
    assert.equal(traceIdOf(`01-${trace}-00f067aa0ba902b7-01-extra`), trace);
    for (const bad of [
      undefined,
      '',
      `00-${trace}-00f067aa0ba902b7-01-extra`,
      `ff-${trace}-00f067aa0ba902b7-01`,
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      `00-${trace}-0000000000000000-01`,
      `00-${trace.toUpperCase()}-00f067aa0ba902b7-01`,
    ]) {
      assert.equal(traceIdOf(bad), undefined, String(bad));
    }
  });

  test('a new traceparent is valid, sampled, and keeps the trace id', () => {
    const tp = newTraceparent('4bf92f3577b34da6a3ce929d0e0e4736');
    assert.match(tp, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    assert.equal(traceIdOf(tp), '4bf92f3577b34da6a3ce929d0e0e4736');
  });
});
