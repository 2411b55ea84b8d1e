/**
 * Rendezvous (highest random weight) hashing: every (key, node) pair gets a
 * pseudo-random score and a key goes to the node with the highest score.
 * When a node leaves, only the keys it held move (each to its runner-up);
 * every other key keeps its node. Used for session affinity over endpoints
 * and for the default owner of keys an OwnershipMap does not list.
 *
 * The score is MurmurHash3 (x86, 32 bit) of `key \0 node`, so it is stable
 * across processes, versions and machines: two gateways agree on the owner.
 * @module
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86_32 of the UTF-16 code units of `text` (stable, fast, well mixed). */
export function murmur3(text: string, seed = 0): number {
  let h = seed >>> 0;
  const n = text.length;
  let i = 0;
  // Two UTF-16 units per 32-bit block.
  for (; i + 1 < n; i += 2) {
    let k = (text.charCodeAt(i) & 0xffff) | ((text.charCodeAt(i + 1) & 0xffff) << 16);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = text.charCodeAt(i) & 0xffff;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= n * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The rendezvous score of `node` for `key` (an unsigned 32-bit integer). */
export function rendezvousScore(key: string, node: string): number {
  return murmur3(`${key}\u0000${node}`);
}

/**
 * The node with the highest score for `key`, or undefined when there is none.
 * Ties (vanishingly rare) go to the node that sorts first, so the choice never
 * depends on the order of `nodes`.
 */
export function rendezvousPick<N>(key: string, nodes: readonly N[], nameOf: (node: N) => string): N | undefined {
  let best: N | undefined;
  let bestScore = -1;
  let bestName = '';
  for (const node of nodes) {
    const name = nameOf(node);
    const score = rendezvousScore(key, name);
    if (score > bestScore || (score === bestScore && name < bestName)) {
      best = node;
      bestScore = score;
      bestName = name;
    }
  }
  return best;
}

/** A stable fraction in [0, 1) for `key`: used where a keyed request must land on the same level every time. */
export function keyFraction(key: string): number {
  return murmur3(key, 0x9747b28c) / 4294967296;
}
