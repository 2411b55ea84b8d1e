/**
 * Golden tests of the MCS translator: each `testdata/<case>.in.yaml` is a bundle of
 * objects placed in clusters by the `lintas.dev/cluster` annotation (see
 * `testdata-loader.ts`); the output is the whole McsResult (per-cluster objects, DNS IR
 * and the state to persist) as YAML.
 *
 * Regenerate: LINTAS_UPDATE_GOLDEN=1 node --import tsx --test src/controllers/mcs/translate.golden.test.ts
 */
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { goldenTests } from '../../../test/golden.ts';
import { loadMcsCase } from './testdata-loader.ts';
import { translateMcs } from './translate.ts';

goldenTests({
  dir: fileURLToPath(new URL('./testdata', import.meta.url)),
  run: (input, caseName) => {
    const result = translateMcs(loadMcsCase(input, `${caseName}.in.yaml`));
    // Importing clusters share objects by design; spell them out instead of YAML anchors.
    const sources = result.sources.length > 0 ? { sources: result.sources, nextExpiry: result.nextExpiry } : {};
    return stringify({ clusters: result.clusters, dns: result.dns, state: result.state, ...sources }, { sortMapEntries: false, lineWidth: 0, aliasDuplicateObjects: false });
  },
});
