/**
 * Golden tests of the per-cluster slices of the Gateway IR (issue 15): each
 * `testdata/gateway-slice/<case>.in.yaml` is either a fleet directory (`fleet:`, e.g. the
 * capstone, translated as `lintas serve` does: MCS, then the gateway translator with
 * east-west) or a fleet IR written out (`ir:` and `clusters:`); the output is the config
 * each cluster's gateway is sent (version, generation, sliced IR). The test lives in
 * `test/` because loading a fleet directory crosses layers.
 *
 * Regenerate: LINTAS_UPDATE_GOLDEN=1 npx node --import tsx --test test/gateway-slice.golden.test.ts
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Cluster } from '../src/api/index.ts';
import { EMPTY_MCS_STATE, nextClusterConfigs, translateGateway, translateMcs } from '../src/controllers/index.ts';
import type { GatewayIR } from '../src/ir/index.ts';
import { loadFleet } from '../src/sources/index.ts';
import { DEFAULT_NOW } from './fleet-case.ts';
import { goldenTests } from './golden.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));

interface SliceCase {
  /** A fleet directory, relative to the repository. */
  readonly fleet?: string;
  /** Or a fleet IR and its clusters. */
  readonly ir?: GatewayIR;
  readonly clusters?: readonly string[];
  readonly eastWestClusters?: readonly string[];
  readonly now?: string;
}

goldenTests({
  dir: fileURLToPath(new URL('./testdata/gateway-slice', import.meta.url)),
  run: async (input, caseName) => {
    const c = parse(input) as SliceCase;
    const now = c.now ?? DEFAULT_NOW;
    let ir = c.ir;
    let clusters = c.clusters ?? [];
    if (c.fleet !== undefined) {
      const { snapshot, issues } = await loadFleet(join(REPO, c.fleet));
      if (issues.some((i) => i.severity === 'error')) throw new Error(`${caseName}: ${c.fleet} has errors`);
      const mcs = translateMcs({ snapshot, now, state: EMPTY_MCS_STATE });
      ir = translateGateway({ snapshot, mcs, now, eastWest: true }).ir;
      clusters = snapshot.fleetObjects.filter((o) => o.object.kind === 'Cluster').map((o) => (o.object as Cluster).metadata.name);
    }
    if (ir === undefined) throw new Error(`${caseName}: needs fleet or ir`);
    const writes = nextClusterConfigs(new Map(), ir, clusters, now, c.eastWestClusters !== undefined ? { eastWestClusters: c.eastWestClusters } : {});
    // Slices share objects (the same upstream in every cluster): written out in full, no YAML aliases.
    return stringify({ clusters: Object.fromEntries(writes.set) }, { sortMapEntries: false, lineWidth: 0, aliasDuplicateObjects: false });
  },
});
