/**
 * The zod → structural openAPIV3Schema conversion: each rule of Kubernetes' structural schemas, and
 * every generated `lintas.dev` CRD walked node by node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { structuralSchemaOf, toStructural, StructuralSchemaError, type OpenApiSchema } from './crd-schema.ts';
import { lintasCrds } from './crds.ts';

describe('structuralSchemaOf', () => {
  it('types every field, turns const into enum, and keeps the input side (defaults, optional defaulted fields)', () => {
    const schema = structuralSchemaOf(z.object({ kind: z.literal('X'), replicas: z.int().min(0).default(2), name: z.string().min(1) }));
    assert.deepEqual(schema, {
      type: 'object',
      properties: { kind: { type: 'string', enum: ['X'] }, replicas: { type: 'integer', default: 2, minimum: 0 }, name: { type: 'string', minLength: 1 } },
      required: ['kind', 'name'],
    });
  });

  it("drops zod's safe-integer bounds but keeps a user's", () => {
    assert.deepEqual(structuralSchemaOf(z.int()), { type: 'integer' });
    assert.deepEqual(structuralSchemaOf(z.int().max(10)), { type: 'integer', maximum: 10 });
  });

  it('prunes loose objects (no additionalProperties), types maps, and keeps free-form values as written', () => {
    const schema = structuralSchemaOf(z.looseObject({ labels: z.record(z.string(), z.string()), body: z.unknown(), extra: z.looseObject({}) }));
    assert.deepEqual(schema.additionalProperties, undefined);
    const props = schema.properties as Record<string, OpenApiSchema>;
    assert.deepEqual(props.labels, { type: 'object', additionalProperties: { type: 'string' } });
    assert.deepEqual(props.body, { 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(props.extra, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('turns a nullable field into nullable: true and an int-or-string into x-kubernetes-int-or-string', () => {
    assert.deepEqual(structuralSchemaOf(z.string().nullable()), { type: 'string', nullable: true });
    assert.deepEqual(structuralSchemaOf(z.union([z.int(), z.string()])), { 'x-kubernetes-int-or-string': true });
  });

  it('keeps a one-of-several-types field as written, saying what it takes (no structural type fits it)', () => {
    assert.deepEqual(structuralSchemaOf(z.union([z.string(), z.array(z.string())])), {
      description: '(an array or a string; not checked by the API server)',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it('refuses $ref and unions of objects, naming the field', () => {
    assert.throws(() => toStructural({ type: 'object', properties: { a: { $ref: '#/x' } } }, '.spec'), (e: unknown) => e instanceof StructuralSchemaError && e.path === '.spec.a');
    assert.throws(() => structuralSchemaOf(z.object({ a: z.union([z.object({ x: z.string() }), z.object({ y: z.string() })]) }), '.spec'), /\.spec\.a: a union of object/);
  });
});

/** Every structural-schema rule a node can break, as `path: problem` lines. */
function structuralProblems(node: OpenApiSchema, path: string, inJunctor = false): string[] {
  const problems: string[] = [];
  const free = node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
  if ('$ref' in node) problems.push(`${path}: $ref`);
  if (!inJunctor && node.type === undefined && !free) problems.push(`${path}: no type`);
  if (inJunctor) for (const k of ['type', 'default', 'nullable', 'additionalProperties', 'description']) if (k in node) problems.push(`${path}: ${k} inside a junctor`);
  if (node.type === 'object' && node.properties !== undefined && node.additionalProperties !== undefined) problems.push(`${path}: properties and additionalProperties`);
  if (node.uniqueItems === true) problems.push(`${path}: uniqueItems`);
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, OpenApiSchema>)) problems.push(...structuralProblems(child, `${path}.${name}`));
  if (node.items !== undefined) problems.push(...structuralProblems(node.items as OpenApiSchema, `${path}[]`));
  if (typeof node.additionalProperties === 'object') problems.push(...structuralProblems(node.additionalProperties as OpenApiSchema, `${path}[*]`));
  for (const j of ['anyOf', 'oneOf', 'allOf']) for (const b of (node[j] ?? []) as OpenApiSchema[]) problems.push(...structuralProblems(b, `${path}(${j})`, true));
  return problems;
}

describe('lintasCrds', () => {
  it('generates a structural schema, the status subresource and printer columns for every lintas.dev kind', () => {
    const crds = lintasCrds();
    assert.deepEqual(crds.map((c) => c.spec.names.kind).sort(), ['Cluster', 'ClusterSet', 'DNSPolicy', 'FailoverPolicy', 'HealthContract', 'OwnershipMap', 'TrafficPolicy', 'Workload']);
    for (const crd of crds) {
      for (const version of crd.spec.versions) {
        assert.deepEqual(structuralProblems(version.schema.openAPIV3Schema, crd.metadata.name), []);
        assert.deepEqual(version.subresources, { status: {} });
        assert.ok(version.additionalPrinterColumns.some((c) => c.name === 'Age'), crd.metadata.name);
      }
      assert.equal(crd.spec.versions.filter((v) => v.storage).length, 1, `${crd.metadata.name}: exactly one storage version`);
    }
  });

  it('scopes each CRD as the registry does (Cluster and ClusterSet cluster-wide, policies namespaced)', () => {
    const scope = Object.fromEntries(lintasCrds().map((c) => [c.spec.names.kind, c.spec.scope]));
    assert.equal(scope.Cluster, 'Cluster');
    assert.equal(scope.ClusterSet, 'Cluster');
    assert.equal(scope.FailoverPolicy, 'Namespaced');
  });
});
