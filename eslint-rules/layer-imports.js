/**
 * @fileoverview `lintas/layer-imports`: enforces the pipeline's import matrix
 * (see ARCHITECTURE.md, "Import matrix").
 *
 * A layer is the first folder under `src/` (`src/api/core.ts` is in layer
 * `api`); files directly in `src/` form layer `main`. For every relative
 * import, `export … from`, dynamic `import('…')`, `import x = require('…')`
 * and `import('…').T` type, the rule resolves the specifier against the
 * importing file and reports, at most once per specifier and in this order:
 *
 *  1. `Layer "X" may not import from "Y"`: Y is not in X's row of MATRIX.
 *     A layer may always import itself and `lib` may be imported by everyone.
 *  2. `Pure translator may not import "Y"`: files in `src/controllers/**`
 *     named `translate*.ts` or under a `translate/` folder may import only
 *     api, ir, lib and their own controller folder (`src/controllers/<name>/`).
 *  3. `Import "…" through …/index.ts`: a file of another layer must go
 *     through that layer's `src/<layer>/index.ts` (no deep imports).
 *
 * Type-only imports count: they couple layers just the same. Package
 * (non-relative) specifiers, files outside `src/` and targets outside `src/`
 * are ignored. The rule never touches the file system.
 *
 * Options: `[{ srcDir: 'src' }]`, resolved against ESLint's cwd. A file not
 * under it falls back to the last path segment named like it, so tests can
 * use fixed fake paths such as `/work/main/src/api/core.ts` from any checkout.
 */
import path from 'node:path';

/** The folders under `src/` that are layers; root files `src/*.ts` are `main`. */
export const LAYERS = Object.freeze([
  'lib',
  'api',
  'sources',
  'validation',
  'store',
  'controllers',
  'ir',
  'dataplanes',
  'observability',
  'sandbox',
  'runtime',
  'cli',
]);

const EVERYTHING = Object.freeze([...LAYERS, 'main']);

/**
 * Which layers each layer may import, besides itself and `lib` (always allowed).
 * Keep in sync with the table in ARCHITECTURE.md.
 * @type {Readonly<Record<string, readonly string[]>>}
 */
export const MATRIX = Object.freeze({
  lib: [],
  api: ['lib'],
  validation: ['api', 'lib'],
  sources: ['api', 'validation', 'store', 'observability', 'lib'],
  store: ['api', 'lib'],
  ir: ['api', 'lib'],
  controllers: ['api', 'ir', 'store', 'observability', 'lib'],
  dataplanes: ['api', 'ir', 'store', 'observability', 'lib'],
  observability: ['api', 'ir', 'store', 'lib'],
  sandbox: ['api', 'observability', 'lib'],
  runtime: ['api', 'validation', 'sources', 'store', 'controllers', 'ir', 'dataplanes', 'observability', 'sandbox', 'lib'],
  cli: EVERYTHING,
  main: EVERYTHING,
});

/** Layers a pure translator may import, besides its own controller folder. */
export const TRANSLATOR_ALLOWED = Object.freeze(['api', 'ir', 'lib']);

const INDEX_FILE = /^index\.[cm]?[jt]sx?$/;
const TRANSLATOR_FILE = /^translate[^/\\]*\.[cm]?[jt]sx?$/;

/**
 * @param {string} importer layer of the importing file
 * @param {string} target layer of the imported file
 * @returns {boolean}
 */
function layerAllows(importer, target) {
  return importer === target || target === 'lib' || (MATRIX[importer] ?? []).includes(target);
}

/**
 * @param {string} spec
 * @returns {boolean}
 */
function isRelative(spec) {
  return spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../');
}

/**
 * Splits a path into segments below `srcDir`, or returns null if it is not below it.
 * @param {string} srcDir absolute
 * @param {string} file absolute
 * @returns {string[] | null}
 */
function segmentsUnder(srcDir, file) {
  const rel = path.relative(srcDir, file);
  if (rel === '') return [];
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep);
}

/**
 * Finds the `src` directory of `file`: `srcDir` under cwd if the file is in it,
 * else the deepest ancestor folder with the same name.
 * @param {string} file absolute
 * @param {string} cwd
 * @param {string} srcDir
 * @returns {string | null}
 */
function findSrcDir(file, cwd, srcDir) {
  const preferred = path.resolve(cwd, srcDir);
  if (segmentsUnder(preferred, file)) return preferred;
  const name = path.basename(preferred);
  const parts = path.dirname(file).split(path.sep);
  const at = parts.lastIndexOf(name);
  if (at < 0) return null;
  return parts.slice(0, at + 1).join(path.sep) || path.sep;
}

/**
 * Layer of a path given as segments under `src/`.
 * `[]` (src itself) and `['x.ts']` are `main`; `['api']` (a directory import) is `api`.
 * @param {string[]} segs
 * @returns {string}
 */
function layerOf(segs) {
  if (segs.length === 0) return 'main';
  const first = /** @type {string} */ (segs[0]);
  if (segs.length === 1 && !LAYERS.includes(first)) return 'main';
  return first;
}

/**
 * @param {string[]} segs segments of a file under `src/controllers/`
 * @returns {boolean}
 */
function isTranslator(segs) {
  const base = segs[segs.length - 1] ?? '';
  return TRANSLATOR_FILE.test(base) || segs.slice(1, -1).includes('translate');
}

/**
 * The controller folder a translator belongs to, as segments, and whether
 * only files directly in it count (a translator directly in `src/controllers/`).
 * @param {string[]} segs
 * @returns {{ folder: string[], directOnly: boolean }}
 */
function ownControllerFolder(segs) {
  return segs.length >= 3 ? { folder: segs.slice(0, 2), directOnly: false } : { folder: segs.slice(0, 1), directOnly: true };
}

/**
 * @param {string} from absolute directory
 * @param {string} to absolute file
 * @returns {string} a relative ESM specifier with `/` separators
 */
function specifierTo(from, to) {
  const rel = path.relative(from, to).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: {
      description: "Enforce the pipeline's layer import matrix, pure translators and index-only cross-layer imports",
      url: 'ARCHITECTURE.md#import-matrix',
    },
    schema: [
      {
        type: 'object',
        properties: { srcDir: { type: 'string', minLength: 1 } },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ srcDir: 'src' }],
    messages: {
      layer: 'Layer "{{from}}" may not import from "{{to}}" (see ARCHITECTURE.md); allowed: {{allowed}}',
      unknownLayer:
        'Folder "src/{{layer}}" is not a layer of the import matrix (see ARCHITECTURE.md); add it to eslint-rules/layer-imports.js',
      translator: 'Pure translator may not import "{{to}}"',
      deep: 'Import "{{spec}}" through {{index}}',
    },
  },

  create(context) {
    const filename = context.filename;
    if (!filename || !path.isAbsolute(filename)) return {};
    const options = /** @type {{ srcDir?: string }} */ (context.options[0] ?? {});
    const srcDir = findSrcDir(filename, context.cwd, options.srcDir ?? 'src');
    if (srcDir === null) return {};
    const fromSegs = segmentsUnder(srcDir, filename);
    if (fromSegs === null || fromSegs.length === 0) return {};
    const fromLayer = layerOf(fromSegs);
    const fromDir = path.dirname(filename);
    const translator = fromLayer === 'controllers' && isTranslator(fromSegs);

    /**
     * @param {import('estree').Node} node where to report
     * @param {unknown} value the specifier, if any
     */
    function check(node, value) {
      if (typeof value !== 'string' || !isRelative(value)) return;
      const toSegs = segmentsUnder(srcDir, path.resolve(fromDir, value));
      if (toSegs === null) return;
      const toLayer = layerOf(toSegs);

      for (const layer of [fromLayer, toLayer]) {
        if (!EVERYTHING.includes(layer)) {
          context.report({ node, messageId: 'unknownLayer', data: { layer } });
          return;
        }
      }

      if (!layerAllows(fromLayer, toLayer)) {
        const allowed = (MATRIX[fromLayer] ?? []).filter((l) => l !== fromLayer);
        context.report({
          node,
          messageId: 'layer',
          data: { from: fromLayer, to: toLayer, allowed: allowed.length > 0 ? allowed.join(', ') : 'none' },
        });
        return;
      }

      if (translator && !TRANSLATOR_ALLOWED.includes(toLayer)) {
        const { folder, directOnly } = ownControllerFolder(fromSegs);
        const inFolder =
          folder.every((s, i) => toSegs[i] === s) && (directOnly ? toSegs.length === folder.length + 1 : toSegs.length > folder.length);
        if (!inFolder) {
          const to = toLayer === 'controllers' ? toSegs.slice(0, toSegs.length >= 3 ? 2 : 1).join('/') : toLayer;
          context.report({ node, messageId: 'translator', data: { to } });
          return;
        }
      }

      const isLayerIndex = toSegs.length === 1 || (toSegs.length === 2 && INDEX_FILE.test(toSegs[1] ?? ''));
      if (toLayer !== fromLayer && toLayer !== 'main' && !isLayerIndex) {
        const index = specifierTo(fromDir, path.join(srcDir, toLayer, 'index.ts'));
        context.report({ node, messageId: 'deep', data: { spec: value, index } });
      }
    }

    /** @param {any} node a node with a `source` string literal */
    const checkSource = (node) => {
      if (node.source) check(node.source, node.source.value);
    };

    return {
      ImportDeclaration: checkSource,
      ExportAllDeclaration: checkSource,
      ExportNamedDeclaration: checkSource,
      ImportExpression: checkSource,
      /** @param {any} node */
      TSImportEqualsDeclaration(node) {
        const ref = node.moduleReference;
        if (ref?.type === 'TSExternalModuleReference') check(ref.expression, ref.expression?.value);
      },
      /** @param {any} node */
      TSImportType(node) {
        const source = node.source ?? node.argument?.literal;
        if (source) check(source, source.value);
      },
    };
  },
};

export default rule;
