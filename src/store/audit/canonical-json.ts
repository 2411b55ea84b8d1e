/**
 * Canonical JSON and SHA-256 for the audit hash chain. The hash must not depend on the order in which a
 * caller happened to build an object, nor on how a backend stores it, so keys are sorted at every depth.
 * @module
 */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted (by UTF-16 code units) at every depth and no whitespace. Follows
 * JSON.stringify otherwise (`toJSON` is honoured, undefined members are dropped, undefined array items
 * become null), but refuses what JSON cannot represent faithfully: NaN, ±Infinity, bigint and cycles.
 */
export function canonicalJson(value: unknown): string {
  const text = encode(value, new Set());
  if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} is not representable as JSON`);
  return text;
}

function encode(input: unknown, ancestors: Set<object>): string | undefined {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not representable as JSON`);
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: bigint is not representable as JSON');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (ancestors.has(obj)) throw new TypeError('canonicalJson: cyclic value');
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) return `[${obj.map((item: unknown) => encode(item, ancestors) ?? 'null').join(',')}]`;
    const record = obj as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const encoded = encode(record[key], ancestors);
      if (encoded !== undefined) members.push(`${JSON.stringify(key)}:${encoded}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(obj);
  }
}

/** Lower-case hex SHA-256 of a UTF-8 string. */
export function sha256hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
