/**
 * `search`: the read-only, active-active `case-search-api` of the capstone.
 * Every replica answers the same deterministic fake index, so any cluster can
 * serve any query; answers say which cluster, replica and version served them.
 * @module
 */
import { CASE_STATES } from './case-model.ts';
import { DEPENDENCY_DOWN_REPLY, jsonReply, startAppHost, type AppReply, type AppRequest } from './http-host.ts';
import type { AppOptions, BaseStats, RunningApp } from './types.ts';

/** One entry of the fake index. */
export interface SearchDocument {
  readonly id: string;
  readonly title: string;
  readonly state: string;
  readonly region: string;
}

const SUBJECTS = ['payment', 'licence', 'permit', 'customs', 'tax', 'import', 'export', 'fishing', 'mining', 'transport'];
const ISSUES = ['late filing', 'fraud report', 'audit finding', 'complaint', 'inspection', 'appeal'];
const REGIONS = ['JKT', 'SGP', 'TYO'];

/** The fake index: the same 60 documents on every replica, in id order. */
export const SEARCH_INDEX: readonly SearchDocument[] = SUBJECTS.flatMap((subject, i) =>
  ISSUES.map((issue, j) => {
    const n = i * ISSUES.length + j;
    const region = REGIONS[n % REGIONS.length] ?? 'JKT';
    return { id: `${region}-${String(1000 + n)}`, title: `${subject} ${issue}`, state: CASE_STATES[n % CASE_STATES.length] ?? 'OPEN', region };
  }),
);

/** Default and largest number of results. */
export const SEARCH_LIMIT = { default: 10, max: 50 } as const;

/** Documents whose title contains every whitespace-separated term of `q` (case-insensitive), in index order. */
export function searchIndex(q: string): SearchDocument[] {
  const terms = q.toLowerCase().split(/\s+/).filter((t) => t !== '');
  return SEARCH_INDEX.filter((doc) => terms.every((t) => doc.title.includes(t) || doc.id.toLowerCase().includes(t)));
}

/** Counters of `search` (`GET /stats`). */
export interface SearchStats {
  readonly searches: number;
  /** Mutations refused with 405. */
  readonly rejectedMutations: number;
}

/** Starts a `search` replica. */
export async function startSearch(options: AppOptions): Promise<RunningApp<BaseStats & SearchStats>> {
  let searches = 0;
  let rejectedMutations = 0;
  return startAppHost(options, (host) => ({
    app: 'search' as const,
    stats: () => ({ searches, rejectedMutations }),
    handle: (req: AppRequest): AppReply | undefined => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        rejectedMutations++;
        return jsonReply(405, { error: 'read_only' }, { allow: 'GET, HEAD' });
      }
      if (req.path !== '/search') return undefined;
      if (host.fault().dependencyDown === true) return DEPENDENCY_DOWN_REPLY;
      searches++;
      const q = req.query.get('q') ?? '';
      const asked = Number(req.query.get('limit') ?? SEARCH_LIMIT.default);
      const limit = Number.isInteger(asked) && asked > 0 ? Math.min(asked, SEARCH_LIMIT.max) : SEARCH_LIMIT.default;
      const hits = searchIndex(q);
      const { cluster, region, replica, version } = host.identity;
      return jsonReply(200, { query: q, total: hits.length, results: hits.slice(0, limit), cluster, region, replica, version });
    },
  }));
}
