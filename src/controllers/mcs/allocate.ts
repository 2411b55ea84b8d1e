/**
 * ClusterSetIP allocation from `ClusterSet.spec.clusterSetIPRange`: one address per
 * ClusterSetIP ServiceImport, the same in every cluster, and stable for the import's
 * life (KEP "ClusterSetIP") because previous allocations are reused whenever they are
 * still valid. New imports take the lowest free address, so a fresh run over the same
 * fleet always gives the same answer.
 * @module
 */
import { cidrContains, cidrSize, formatIP, nthAddress, parseCIDR, parseIP, type ParsedCIDR } from '../../lib/index.ts';
import { ImportReason, type ImportFailureReason } from './conditions.ts';
import type { IPFamilyName } from './types.ts';

/** One ServiceImport that needs a ClusterSetIP. */
export interface AllocationRequest {
  /** `ns/name`. */
  readonly key: string;
  /** The import's IP families, when known; the range's family must be one of them. */
  readonly ipFamilies?: readonly IPFamilyName[];
}

/** The IPs of one request, or why it has none. */
export type AllocationOutcome =
  | { readonly ok: true; readonly ips: readonly string[] }
  | { readonly ok: false; readonly reason: ImportFailureReason; readonly message: string };

/** Every request's outcome, and the allocations to persist (only the successful ones, so the rest are released). */
export interface AllocationResult {
  readonly outcomes: ReadonlyMap<string, AllocationOutcome>;
  readonly allocations: Readonly<Record<string, readonly string[]>>;
}

/**
 * The offsets handed out: from 1 (the network address is skipped) to size - 2 (the last
 * address is skipped too, as it is IPv4's broadcast; IPv6 skips it just the same so both
 * families follow one rule).
 */
function usableOffsets(range: ParsedCIDR): { first: bigint; last: bigint } {
  return { first: 1n, last: cidrSize(range) - 2n };
}

function familyName(range: ParsedCIDR): IPFamilyName {
  return range.family === 4 ? 'IPv4' : 'IPv6';
}

function failAll(requests: readonly AllocationRequest[], reason: ImportFailureReason, message: string): AllocationResult {
  return { outcomes: new Map(requests.map((r) => [r.key, { ok: false, reason, message }])), allocations: {} };
}

/**
 * Allocates one address per request. Previous allocations (by key) are kept when still in
 * the usable part of the range and not claimed by another import first (keys are visited in
 * sorted order, so even a corrupt state resolves deterministically); the rest get the lowest
 * free address. Keys absent from `requests` are released.
 */
export function allocateClusterSetIPs(
  rangeText: string | undefined,
  requests: readonly AllocationRequest[],
  previous: Readonly<Record<string, readonly string[]>>,
): AllocationResult {
  if (requests.length === 0) return { outcomes: new Map(), allocations: {} };
  if (rangeText === undefined) {
    return failAll(requests, ImportReason.NoClusterSetIPRange, 'The ClusterSet has no spec.clusterSetIPRange, so no ClusterSetIP can be allocated.');
  }
  const range = parseCIDR(rangeText);
  if (range === undefined) {
    // Validation rejects such a fleet; this keeps the translator total on unchecked input.
    return failAll(requests, ImportReason.NoClusterSetIPRange, `The ClusterSet's clusterSetIPRange "${rangeText}" is not a valid CIDR.`);
  }
  const family = familyName(range);
  const { first, last } = usableOffsets(range);
  const sorted = [...requests].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const outcomes = new Map<string, AllocationOutcome>();
  const taken = new Set<bigint>();
  const pending: AllocationRequest[] = [];

  for (const request of sorted) {
    if (request.ipFamilies !== undefined && request.ipFamilies.length > 0 && !request.ipFamilies.includes(family)) {
      outcomes.set(request.key, {
        ok: false,
        reason: ImportReason.IPFamilyNotSupported,
        message: `The service's IP families (${request.ipFamilies.join(', ')}) do not include the ${family} clusterSetIPRange "${rangeText}".`,
      });
      continue;
    }
    const kept = (previous[request.key] ?? []).map(parseIP).find((ip) => {
      if (ip === undefined || !cidrContains(range, ip)) return false;
      const offset = ip.value - range.network;
      return offset >= first && offset <= last && !taken.has(offset);
    });
    if (kept === undefined) {
      pending.push(request);
      continue;
    }
    taken.add(kept.value - range.network);
    outcomes.set(request.key, { ok: true, ips: [formatIP(kept)] });
  }

  // Lowest free address first; the cursor only moves forward because requests are served in order.
  let cursor = first;
  for (const request of pending) {
    while (cursor <= last && taken.has(cursor)) cursor++;
    const ip = cursor <= last ? nthAddress(range, cursor) : undefined;
    if (ip === undefined) {
      outcomes.set(request.key, {
        ok: false,
        reason: ImportReason.ClusterSetIPRangeExhausted,
        message: `The clusterSetIPRange "${rangeText}" has no free address left.`,
      });
      continue;
    }
    taken.add(cursor);
    outcomes.set(request.key, { ok: true, ips: [formatIP(ip)] });
  }

  const allocations: Record<string, readonly string[]> = {};
  for (const request of sorted) {
    const outcome = outcomes.get(request.key);
    if (outcome?.ok) allocations[request.key] = outcome.ips;
  }
  return { outcomes, allocations };
}
