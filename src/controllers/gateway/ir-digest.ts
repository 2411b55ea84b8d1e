/**
 * The content digest of a Gateway IR, memoised per object: a config version hashes each
 * cluster's whole slice on every change, but after one change almost every element is the
 * same object as before (the translator keeps unchanged listeners and upstreams, and a
 * rebuilt upstream its unchanged endpoints: ir/share.ts), so only new objects are
 * encoded and hashed again. The digest is a hash tree: a list element's digest hashes its
 * canonical JSON, except that its own list members hold their elements' digests; the IR's
 * hashes its lists of element digests. Equal IRs get equal digests whatever their key order
 * or object identity, across restarts too. IR objects are immutable once built, so a cached
 * digest never goes stale. Pure (the cache only holds results of a pure function).
 * @module
 */
import type { GatewayIR } from '../../ir/index.ts';
import { canonicalJson, sha256hex } from '../../store/index.ts';

/**
 * Hex digits of an element's digest inside the tree: 128 bits keep collisions out of reach while a
 * 10,000-endpoint upstream hashes a list of 330 KB instead of 660 KB. The IR's own digest is a full SHA-256.
 */
const ELEMENT_DIGEST_HEX = 32;

// Object → its digest; weak, so a dropped IR takes its digests with it.
const digests = new WeakMap<object, string>();

/**
 * The digest of one list element, from the cache when the same object was hashed before.
 * At `depth` > 0 an object's list members are hashed as lists of their elements' digests:
 * a rebuilt 10,000-endpoint upstream then costs its changed endpoints and a list of digests.
 */
function elementDigest(element: unknown, depth: number): string {
  if (element === null || typeof element !== 'object') return sha256hex(canonicalJson(element)).slice(0, ELEMENT_DIGEST_HEX);
  const hit = digests.get(element);
  if (hit !== undefined) return hit;
  const digest = sha256hex(depth > 0 && !Array.isArray(element) ? membersText(element as Record<string, unknown>, depth - 1) : canonicalJson(element)).slice(0, ELEMENT_DIGEST_HEX);
  digests.set(element, digest);
  return digest;
}

/** canonicalJson's layout (keys sorted, undefined members left out), with every list written as its elements' digests. */
function membersText(record: Record<string, unknown>, depth: number): string {
  if (typeof record.toJSON === 'function') return canonicalJson(record);
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const value = record[key];
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    // Digests are hex, so the list needs no quoting; see elementDigest for their length.
    const text = Array.isArray(value) ? `[${value.map((item: unknown) => (item === undefined ? 'null' : elementDigest(item, depth))).join(',')}]` : canonicalJson(value);
    members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}

/** The SHA-256 (hex) of `ir`'s content; see the module doc for how it is built. */
export function irDigest(ir: GatewayIR): string {
  return sha256hex(membersText(ir as unknown as Record<string, unknown>, 1));
}
