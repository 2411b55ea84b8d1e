/**
 * A TEST STAND-IN for the UpstreamSet: plain round robin over the ready
 * endpoints in IR order, honouring `exclude` and `avoidClusters` as
 * preferences, with a switchable retry
 * budget and a record of every call. Tests that need exact control over which
 * endpoint is tried first use it; everything else uses the real
 * `createUpstreamSet`.
 * @module
 */
import type { UpstreamIR } from '../../ir/index.ts';
import type { AttemptOutcome, EndpointRef, PickContext, UpstreamSet } from './upstream/index.ts';

/** The stand-in plus what it recorded. */
export interface TestUpstreams extends UpstreamSet {
  /** `pick` calls: upstream, context and the endpoint key returned ('' for none). */
  readonly picks: { upstream: string; ctx: PickContext; chosen: string }[];
  readonly outcomes: { upstream: string; endpoint: string; outcome: AttemptOutcome }[];
  /** Attempts started and not yet ended. */
  active(): number;
  /** Whether `tryAcquireRetry` grants slots (default true). */
  budget: boolean;
  /** Retry slots currently held. */
  retriesHeld(): number;
}

/** Creates the round-robin stand-in. */
export function createTestUpstreams(): TestUpstreams {
  let endpoints = new Map<string, EndpointRef[]>();
  const cursors = new Map<string, number>();
  const picks: TestUpstreams['picks'] = [];
  const outcomes: TestUpstreams['outcomes'] = [];
  let active = 0;
  let held = 0;
  const set: TestUpstreams = {
    picks,
    outcomes,
    budget: true,
    active: () => active,
    retriesHeld: () => held,
    update(list: readonly UpstreamIR[]) {
      endpoints = new Map(
        list.map((u) => [
          u.key,
          u.endpoints
            .filter((e) => e.ready)
            .map((e) => ({
              key: `${e.address}:${String(e.port)}`,
              address: e.address,
              port: e.port,
              cluster: e.cluster,
              ...(e.region !== undefined ? { region: e.region } : {}),
              ...(e.version !== undefined ? { version: e.version } : {}),
            })),
        ]),
      );
    },
    pick(upstream, ctx) {
      // Like the real set: tried endpoints are avoided when possible, reused when nothing else is left.
      const known = endpoints.get(upstream) ?? [];
      const untried = known.filter((e) => !(ctx.exclude?.has(e.key) ?? false));
      const all = untried.length > 0 ? untried : known;
      const preferred = all.filter((e) => !(ctx.avoidClusters?.has(e.cluster) ?? false));
      const pool = preferred.length > 0 ? preferred : all;
      const cursor = cursors.get(upstream) ?? 0;
      cursors.set(upstream, cursor + 1);
      const chosen = pool.length === 0 ? undefined : pool[cursor % pool.length];
      picks.push({ upstream, ctx, chosen: chosen?.key ?? '' });
      return chosen;
    },
    onAttemptStart() {
      active += 1;
    },
    onAttemptEnd(upstream, endpoint, outcome) {
      active -= 1;
      outcomes.push({ upstream, endpoint: endpoint.key, outcome });
    },
    tryAcquireRetry() {
      if (!set.budget) return false;
      held += 1;
      return true;
    },
    releaseRetry() {
      held -= 1;
    },
    backoffMs: () => 1,
    explain: () => undefined,
    observe: () => ({ endpoints: [], attemptsByCluster: {} }),
    onHealthEvent: () => () => undefined,
    close: () => undefined,
  };
  return set;
}
