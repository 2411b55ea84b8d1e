/**
 * deploy/crds never drifts from the code: the lintas.dev CRDs are regenerated in memory and compared
 * with the checked-in files; the hand-written MCS CRDs (from KEP-1645) declare the same fields as
 * the upstream ones kept as test data in ../shared/crds (compared, never copied).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { CRDS_DIR, GEN_CRDS_COMMAND, GENERATED_PREFIX, renderedCrds } from '../../scripts/gen-crds.ts';
import { SHARED_CRDS_DIR } from '../kube/fleet.ts';

describe('deploy/crds', () => {
  it('holds exactly the lintas.dev CRDs the zod schemas generate', () => {
    const expected = renderedCrds();
    const onDisk = readdirSync(CRDS_DIR).filter((f) => f.startsWith(GENERATED_PREFIX)).sort();
    assert.deepEqual(onDisk, [...expected.keys()].sort(), `deploy/crds has stale or missing generated CRDs; run: ${GEN_CRDS_COMMAND}`);
    for (const [name, text] of expected) {
      assert.equal(readFileSync(join(CRDS_DIR, name), 'utf8'), text, `deploy/crds/${name} differs from the schema in src/api; run: ${GEN_CRDS_COMMAND}`);
    }
  });

  it('parses every file as CustomResourceDefinitions with one storage version each', () => {
    for (const file of readdirSync(CRDS_DIR).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(CRDS_DIR, file), 'utf8'))) {
        assert.deepEqual(doc.errors, [], file);
        const crd = doc.toJS() as { kind: string; spec: { versions: { storage: boolean }[] } };
        assert.equal(crd.kind, 'CustomResourceDefinition', file);
        assert.equal(crd.spec.versions.filter((v) => v.storage).length, 1, file);
      }
    }
  });
});

type Schema = { properties?: Record<string, Schema>; items?: Schema };
/** Every field path a schema declares (`.spec.ports[].port`). */
function fieldPaths(schema: Schema, path = '', out = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    out.add(`${path}.${name}`);
    fieldPaths(child, `${path}.${name}`, out);
  }
  if (schema.items !== undefined) fieldPaths(schema.items, `${path}[]`, out);
  return out;
}

const upstream = join(SHARED_CRDS_DIR, 'mcs-api');
describe('deploy/crds MCS CRDs (written from KEP-1645)', { skip: existsSync(upstream) ? false : `the upstream MCS CRDs to compare with are not at ${upstream}` }, () => {
  for (const file of ['multicluster.x-k8s.io_serviceexports.yaml', 'multicluster.x-k8s.io_serviceimports.yaml']) {
    it(`${file}: serves v1alpha1 and v1beta1 (stored) with the upstream field set`, () => {
      type Crd = { spec: { versions: { name: string; storage: boolean; schema: { openAPIV3Schema: Schema } }[] } };
      const ours = parse(readFileSync(join(CRDS_DIR, file), 'utf8')) as Crd;
      const theirs = parse(readFileSync(join(upstream, file), 'utf8')) as Crd;
      assert.deepEqual(ours.spec.versions.map((v) => `${v.name}${v.storage ? '*' : ''}`).sort(), ['v1alpha1', 'v1beta1*']);
      for (const version of ours.spec.versions) {
        const mine = fieldPaths(version.schema.openAPIV3Schema);
        const theirVersion = theirs.spec.versions.find((v) => v.name === version.name);
        assert.ok(theirVersion, version.name);
        // Ours may constrain metadata.name (a ServiceExport is named after its Service); otherwise the same fields.
        mine.delete('.metadata.name');
        assert.deepEqual([...mine].sort(), [...fieldPaths(theirVersion.schema.openAPIV3Schema)].sort(), `${file} ${version.name}`);
      }
    });
  }
});
