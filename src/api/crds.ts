/**
 * CustomResourceDefinitions of Lintas's own kinds (`lintas.dev`), generated from the zod schemas of
 * the kind registry, so that the CRDs in `deploy/crds/` accept exactly what the directory source
 * accepts (less the refinements only Lintas checks). `scripts/gen-crds.ts` writes them; a test
 * fails when the checked-in files drift from this code.
 * @module
 */
import { z } from 'zod';
import { structuralSchemaOf, type OpenApiSchema } from './crd-schema.ts';
import { KINDS, type KindInfo } from './kinds.ts';
import { LINTAS_GROUP } from './lintas.ts';

/** A CRD as plain data (apiextensions.k8s.io/v1). */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: OpenApiSchema };
    }[];
  };
}

/** One `kubectl get` column. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

const col = (name: string, type: PrinterColumn['type'], jsonPath: string, description?: string): PrinterColumn => ({ name, type, jsonPath, ...(description ? { description } : {}) });

/** The columns `kubectl get` shows per kind, before the common Ready and Age ones. */
const COLUMNS: Readonly<Record<string, readonly PrinterColumn[]>> = {
  Cluster: [col('Region', 'string', '.spec.region'), col('Environment', 'string', '.spec.environment'), col('Capacity', 'number', '.spec.capacity', 'requests per second the cluster can serve')],
  ClusterSet: [col('Zone', 'string', '.spec.dnsZone'), col('Clusters', 'string', '.spec.clusters')],
  FailoverPolicy: [col('Target', 'string', '.spec.targetRef.name'), col('Mode', 'string', '.spec.mode'), col('From', 'string', '.spec.from'), col('To', 'string', '.spec.to')],
  Workload: [col('App', 'string', '.spec.app'), col('Service', 'string', '.spec.service'), col('Replicas', 'integer', '.spec.replicas')],
  TrafficPolicy: [col('Targets', 'string', '.spec.targetRefs[*].name')],
  OwnershipMap: [],
  HealthContract: [col('Target', 'string', '.spec.targetRef.name')],
  DNSPolicy: [col('Gateways', 'string', '.spec.targetRefs[*].name'), col('Zones', 'string', '.spec.zones[*].name')],
};

/** Kinds whose names become DNS labels (a Cluster's name is a label of its DNS names). */
const LABEL_NAMED = new Set(['Cluster']);

/** metav1.Condition, as every Lintas status reports them. */
const CONDITION: OpenApiSchema = {
  type: 'object',
  required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
  properties: {
    type: { type: 'string', maxLength: 316 },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string', maxLength: 1024, minLength: 1 },
    message: { type: 'string', maxLength: 32768 },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: { type: 'string', format: 'date-time' },
  },
};

/**
 * The status Lintas writes back. Its conditions are typed; kind-specific status fields are not
 * modelled in src/api yet, so the rest of the status is kept as written rather than pruned.
 */
const STATUS: OpenApiSchema = {
  type: 'object',
  description: 'Written by Lintas (status subresource): observedGeneration, conditions, and kind-specific fields.',
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    conditions: { type: 'array', items: CONDITION, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  },
};

/** The CRD of one registry kind. */
export function crdOf(info: KindInfo): CustomResourceDefinition {
  if (info.schema === undefined) throw new Error(`${info.kind} has no schema: Lintas computes it and needs no CRD`);
  // Only the spec: metadata is the API server's, and a CRD may not constrain more than its name.
  const specSchema = info.schema instanceof z.ZodObject ? (info.schema.shape as Record<string, z.ZodType | undefined>).spec : undefined;
  if (specSchema === undefined) throw new Error(`${info.kind}: its schema has no spec`);
  const spec = structuralSchemaOf(specSchema, '.spec');
  const openAPIV3Schema: OpenApiSchema = {
    type: 'object',
    description: `${info.kind} (${info.group}/${info.versions[0] ?? ''}), generated from the Lintas schema in src/api.`,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      // Only the name may be constrained in a CRD's metadata.
      metadata: LABEL_NAMED.has(info.kind) ? { type: 'object', properties: { name: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' } } } : { type: 'object' },
      spec,
      status: STATUS,
    },
  };
  const singular = info.kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${info.group}`, labels: { 'app.kubernetes.io/part-of': 'lintas' } },
    spec: {
      group: info.group,
      names: { kind: info.kind, listKind: `${info.kind}List`, plural: info.plural, singular, ...(info.shortNames.length > 0 ? { shortNames: [...info.shortNames] } : {}), categories: ['lintas'] },
      scope: info.namespaced ? 'Namespaced' : 'Cluster',
      versions: info.versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        subresources: { status: {} },
        additionalPrinterColumns: [
          ...(COLUMNS[info.kind] ?? []),
          col('Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'),
          col('Age', 'date', '.metadata.creationTimestamp'),
        ],
        schema: { openAPIV3Schema },
      })),
    },
  };
}

/** Every `lintas.dev` CRD, in registry order. */
export function lintasCrds(): CustomResourceDefinition[] {
  return KINDS.filter((k) => k.group === LINTAS_GROUP).map(crdOf);
}

/** The file name of a CRD in deploy/crds (`<group>_<plural>.yaml`, as controller-gen names them). */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}
