/**
 * Test helper: turns an MCS golden case (`testdata/<case>.in.yaml`) into an McsInput,
 * with the bundle conventions of `test/fleet-case.ts` (objects placed in clusters by
 * the `lintas.dev/cluster` annotation and decoded with the real `src/api` schemas).
 * An optional first document `kind: McsTestCase` gives `now`, `state`, `freshness`
 * and `absentClusters` (Cluster objects whose snapshot is missing, as a member whose
 * source never reported).
 * @module
 */
import type { ClusterFreshness } from '../../api/index.ts';
import { DEFAULT_NOW, loadFleetCase } from '../../../test/fleet-case.ts';
import { EMPTY_MCS_STATE, type McsInput, type McsState } from './types.ts';

interface Header {
  readonly now: string;
  readonly state: McsState;
  readonly absentClusters: readonly string[];
  readonly freshness: Readonly<Record<string, ClusterFreshness>>;
}

/** Decodes a golden case into the translator's input; throws on anything malformed, naming the line. */
export function loadMcsCase(text: string, file: string): McsInput {
  const { header, snapshot } = loadFleetCase<Header>(text, file, 'McsTestCase', (h) => h.absentClusters ?? []);
  return {
    snapshot,
    now: header.now ?? DEFAULT_NOW,
    state: header.state ?? EMPTY_MCS_STATE,
    ...(header.freshness !== undefined ? { freshness: header.freshness } : {}),
  };
}
