import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSseParser, type SseEvent } from './sse.ts';

const STREAM = ': hello\n\nevent: snapshot\ndata: {"version":1,\ndata: "x":"é"}\n\n: ping\n\nevent: snapshot\r\ndata: {"version":2}\r\n\r\n';
const EXPECTED: SseEvent[] = [
  { event: 'snapshot', data: '{"version":1,\n"x":"é"}' },
  { event: 'snapshot', data: '{"version":2}' },
];

describe('SSE parser', () => {
  it('parses a whole stream: comments skipped, data lines joined, CRLF accepted', () => {
    assert.deepEqual(createSseParser().push(STREAM), EXPECTED);
  });

  it('gives the same events whatever the chunk boundaries (every split point, and byte by byte)', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const p = createSseParser();
      assert.deepEqual([...p.push(STREAM.slice(0, cut)), ...p.push(STREAM.slice(cut))], EXPECTED, `split at ${String(cut)}`);
    }
    const p = createSseParser();
    assert.deepEqual([...STREAM].flatMap((c) => p.push(c)), EXPECTED);
  });

  it('dispatches an event only at its blank line, and names unnamed events "message"', () => {
    const p = createSseParser();
    assert.deepEqual(p.push('data: a\n'), []);
    assert.deepEqual(p.push('\n'), [{ event: 'message', data: 'a' }]);
    assert.deepEqual(p.push('id: 7\ndata:b\n\n'), [{ event: 'message', data: 'b', id: '7' }]);
  });

  it('drops an event with no data lines', () => {
    assert.deepEqual(createSseParser().push('event: snapshot\n\n'), []);
  });
});
