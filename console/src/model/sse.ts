/**
 * A Server-Sent Events parser fed with text chunks as they arrive (a chunk may end anywhere:
 * inside a line, between CR and LF, or inside a multi-byte character, which the caller's
 * streaming TextDecoder already holds back). EventSource cannot send an Authorization header,
 * so the console reads the stream with fetch and parses it here.
 * @module
 */

/** One dispatched event. */
export interface SseEvent {
  /** `message` when the stream named none. */
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/** An incremental parser: `push` a chunk, get the events it completed. */
export interface SseParser {
  push(chunk: string): SseEvent[];
}

/** A parser following the WHATWG event-stream rules (comments, `data` joined by LF, `retry` ignored). */
export function createSseParser(): SseParser {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let pendingCr = false;

  const line = (text: string, out: SseEvent[]): void => {
    if (text === '') {
      if (data.length > 0) out.push({ event: event === '' ? 'message' : event, data: data.join('\n'), ...(id === undefined ? {} : { id }) });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
  };

  return {
    push(chunk: string): SseEvent[] {
      const out: SseEvent[] = [];
      let text = chunk;
      // A CR ended the previous chunk: a LF starting this one belongs to the same line break.
      if (pendingCr && text.startsWith('\n')) text = text.slice(1);
      pendingCr = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        line(buffer.slice(start, i), out);
        if (c === '\r') {
          if (i + 1 === buffer.length) pendingCr = true;
          else if (buffer[i + 1] === '\n') i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
      return out;
    },
  };
}
