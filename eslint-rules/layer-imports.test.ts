/**
 * Tests for `lintas/layer-imports`, run by ESLint's RuleTester under node:test:
 *   node --import tsx --test eslint-rules/layer-imports.test.ts
 * Filenames are fake absolute paths; the rule never reads the file system.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import rule, { LAYERS, MATRIX } from './layer-imports.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
});

const ROOT = '/work/main/src';
const at = (file: string): string => `${ROOT}/${file}`;

const layer = (from: string, to: string, allowed: string) =>
  `Layer "${from}" may not import from "${to}" (see ARCHITECTURE.md); allowed: ${allowed}`;

describe('layer-imports matrix', () => {
  it('has a row for every layer and main, each naming only known layers', () => {
    assert.deepEqual(Object.keys(MATRIX).sort(), [...LAYERS, 'main'].sort());
    for (const [from, allowed] of Object.entries(MATRIX)) {
      for (const to of allowed) assert.ok(to === 'main' || LAYERS.includes(to), `${from} -> ${to}`);
    }
  });
});

tester.run('layer-imports', rule, {
  valid: [
    { name: 'same layer, deep file', filename: at('api/core.ts'), code: "import { ObjectMeta } from './meta.ts';" },
    { name: 'api -> lib index', filename: at('api/core.ts'), code: "import { dns1123Label } from '../lib/index.ts';" },
    { name: 'validation -> api index', filename: at('validation/decode.ts'), code: "import type { Issue } from '../api/index.ts';" },
    {
      name: 'sources (nested) -> api, validation, store, observability',
      filename: at('sources/directory/load-fleet.ts'),
      code: [
        "import { KINDS } from '../../api/index.ts';",
        "import { checkFleet } from '../../validation/index.ts';",
        "import { FleetStore } from '../../store/index.ts';",
        "import { log } from '../../observability/index.ts';",
        "import { SourceError } from '../errors.ts';",
      ].join('\n'),
    },
    { name: 'store -> api', filename: at('store/fleet-store.ts'), code: "import { clusterName } from '../api/index.ts';" },
    { name: 'ir -> api', filename: at('ir/model.ts'), code: "import type { Service } from '../api/index.ts';" },
    {
      name: 'controllers runner -> store, observability, ir',
      filename: at('controllers/mcs/runner.ts'),
      code: [
        "import { FleetStore } from '../../store/index.ts';",
        "import { log } from '../../observability/index.ts';",
        "import type { Ir } from '../../ir/index.ts';",
        "import { translateMcs } from './translate.ts';",
      ].join('\n'),
    },
    { name: 'dataplanes -> ir', filename: at('dataplanes/xds/server.ts'), code: "import type { Ir } from '../../ir/index.ts';" },
    { name: 'observability -> store', filename: at('observability/admin.ts'), code: "import { FleetStore } from '../store/index.ts';" },
    {
      name: 'cli may import everything (through indexes)',
      filename: at('cli/main.ts'),
      code: [
        "import { translateMcs } from '../controllers/index.ts';",
        "import { serve } from '../dataplanes/index.ts';",
        "import { run } from '../main.ts';",
      ].join('\n'),
    },
    { name: 'main -> cli', filename: at('index.ts'), code: "export { main } from './cli/index.ts';" },
    { name: 'main -> main', filename: at('index.ts'), code: "export * from './version.ts';" },
    {
      name: 'pure translator -> api, ir, lib and its own controller folder',
      filename: at('controllers/mcs/translate.ts'),
      code: [
        "import type { Service } from '../../api/index.ts';",
        "import type { Ir } from '../../ir/index.ts';",
        "import { parseCIDR } from '../../lib/index.ts';",
        "import { byName } from './sort.ts';",
        "import { helper } from './translate/helper.ts';",
      ].join('\n'),
    },
    {
      name: 'file under a translate/ folder -> own controller folder',
      filename: at('controllers/routing/translate/routes.ts'),
      code: "import { match } from '../match.ts';",
    },
    {
      name: 'translator directly in controllers/ -> sibling root file',
      filename: at('controllers/translate-all.ts'),
      code: "import { order } from './order.ts';",
    },
    { name: 'package imports are ignored', filename: at('api/core.ts'), code: "import { z } from 'zod';\nimport { readFile } from 'node:fs/promises';" },
    { name: 'targets outside src/ are ignored', filename: at('lib/net.test.ts'), code: "import { fixture } from '../../test/fixtures.ts';" },
    { name: 'files outside src/ are ignored', filename: '/work/main/bench/config-load/run.ts', code: "import { store } from '../../src/store/fleet-store.ts';" },
    { name: 'no filename: ignored', code: "import { x } from '../store/index.ts';" },
    { name: 'directory import of a layer counts as its index', filename: at('validation/x.ts'), code: "import * as api from '../api';" },
    { name: 'dynamic import through index', filename: at('cli/get.ts'), code: "const m = await import('../sources/index.ts');" },
    {
      name: 'checkout whose path has another src/ above the project',
      filename: '/home/ci/src/lintas/src/validation/decode.ts',
      code: "import type { Issue } from '../api/index.ts';",
    },
    {
      name: 'srcDir option',
      filename: '/repo/lib-src/api/core.ts',
      options: [{ srcDir: '/repo/lib-src' }],
      code: "import { parseIP } from '../lib/index.ts';",
    },
  ],

  invalid: [
    {
      name: 'lib imports nothing else',
      filename: at('lib/net.ts'),
      code: "import type { Service } from '../api/index.ts';",
      errors: [{ message: layer('lib', 'api', 'none') }],
    },
    {
      name: 'api -> store',
      filename: at('api/core.ts'),
      code: "import { FleetStore } from '../store/index.ts';",
      errors: [{ message: layer('api', 'store', 'lib') }],
    },
    {
      name: 'validation -> sources (export-from counts)',
      filename: at('validation/index.ts'),
      code: "export { loadFleet } from '../sources/index.ts';",
      errors: [{ message: layer('validation', 'sources', 'api, lib') }],
    },
    {
      name: 'store -> validation (export * counts)',
      filename: at('store/index.ts'),
      code: "export * from '../validation/index.ts';",
      errors: [{ message: layer('store', 'validation', 'api, lib') }],
    },
    {
      name: 'ir -> controllers (type-only imports count)',
      filename: at('ir/model.ts'),
      code: "import type { Runner } from '../controllers/index.ts';",
      errors: [{ message: layer('ir', 'controllers', 'api, lib') }],
    },
    {
      name: 'controllers -> dataplanes',
      filename: at('controllers/failover/runner.ts'),
      code: "import { serve } from '../../dataplanes/index.ts';",
      errors: [{ message: layer('controllers', 'dataplanes', 'api, ir, store, observability, lib') }],
    },
    {
      name: 'dataplanes -> controllers',
      filename: at('dataplanes/gateway/render.ts'),
      code: "import { run } from '../../controllers/index.ts';",
      errors: [{ message: layer('dataplanes', 'controllers', 'api, ir, store, observability, lib') }],
    },
    {
      name: 'observability -> sources',
      filename: at('observability/admin.ts'),
      code: "import { loadFleet } from '../sources/index.ts';",
      errors: [{ message: layer('observability', 'sources', 'api, ir, store, lib') }],
    },
    {
      name: 'sources -> cli',
      filename: at('sources/directory/watch.ts'),
      code: "import { main } from '../../cli/index.ts';",
      errors: [{ message: layer('sources', 'cli', 'api, validation, store, observability, lib') }],
    },
    {
      name: 'a layer -> root files (main)',
      filename: at('store/fleet-store.ts'),
      code: "import { VERSION } from '../version.ts';",
      errors: [{ message: layer('store', 'main', 'api, lib') }],
    },
    {
      name: 'dynamic import, import = require and import() types count',
      filename: at('api/kinds.ts'),
      code: [
        "const s = await import('../store/index.ts');",
        "import st = require('../store/index.ts');",
        "type T = import('../store/index.ts').FleetStore;",
      ].join('\n'),
      errors: [
        { message: layer('api', 'store', 'lib'), line: 1 },
        { message: layer('api', 'store', 'lib'), line: 2 },
        { message: layer('api', 'store', 'lib'), line: 3 },
      ],
    },
    {
      name: 'pure translator -> store',
      filename: at('controllers/mcs/translate.ts'),
      code: "import { FleetStore } from '../../store/index.ts';",
      errors: [{ message: 'Pure translator may not import "store"' }],
    },
    {
      name: 'pure translator -> observability',
      filename: at('controllers/policy/translate-policy.ts'),
      code: "import { log } from '../../observability/index.ts';",
      errors: [{ message: 'Pure translator may not import "observability"' }],
    },
    {
      name: 'file under translate/ -> another controller folder',
      filename: at('controllers/routing/translate/routes.ts'),
      code: "import { exported } from '../../mcs/translate.ts';",
      errors: [{ message: 'Pure translator may not import "controllers/mcs"' }],
    },
    {
      name: 'pure translator -> shared controllers root file',
      filename: at('controllers/mcs/translate.ts'),
      code: "import { runAll } from '../runner.ts';",
      errors: [{ message: 'Pure translator may not import "controllers"' }],
    },
    {
      name: 'translator directly in controllers/ -> a controller folder',
      filename: at('controllers/translate.ts'),
      code: "import { x } from './mcs/runner.ts';",
      errors: [{ message: 'Pure translator may not import "controllers/mcs"' }],
    },
    {
      name: 'deep import across layers',
      filename: at('validation/decode.ts'),
      code: "import { Service } from '../api/core.ts';",
      errors: [{ message: 'Import "../api/core.ts" through ../api/index.ts' }],
    },
    {
      name: 'deep import into lib from a nested file',
      filename: at('sources/directory/read-tree.ts'),
      code: "import { parseCIDR } from '../../lib/net.ts';",
      errors: [{ message: 'Import "../../lib/net.ts" through ../../lib/index.ts' }],
    },
    {
      name: 'deep import of a nested index is still deep',
      filename: at('cli/validate.ts'),
      code: "export { loadFleet } from '../sources/directory/index.ts';",
      errors: [{ message: 'Import "../sources/directory/index.ts" through ../sources/index.ts' }],
    },
    {
      name: 'translator deep import into api',
      filename: at('controllers/mcs/translate.ts'),
      code: "import type { Service } from '../../api/core.ts';",
      errors: [{ message: 'Import "../../api/core.ts" through ../../api/index.ts' }],
    },
    {
      name: 'root file deep import',
      filename: at('index.ts'),
      code: "export { main } from './cli/main.ts';",
      errors: [{ message: 'Import "./cli/main.ts" through ./cli/index.ts' }],
    },
    {
      name: 'unknown layer folder',
      filename: at('plugins/x.ts'),
      code: "import { a } from '../lib/index.ts';",
      errors: [
        {
          message:
            'Folder "src/plugins" is not a layer of the import matrix (see ARCHITECTURE.md); add it to eslint-rules/layer-imports.js',
        },
      ],
    },
    {
      name: 'checkout whose path has another src/ above the project',
      filename: '/home/ci/src/lintas/src/api/core.ts',
      code: "import { x } from '../validation/index.ts';",
      errors: [{ message: layer('api', 'validation', 'lib') }],
    },
  ],
});
