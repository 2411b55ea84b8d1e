/**
 * `lintas.dev/v1alpha1` Workload: a built-in demo app that `lintas up` runs as
 * real processes in a cluster of the local fleet (issue 7). It lives in the
 * cluster's folder (placement by folder, like a Deployment applied to that
 * cluster), names the Service whose EndpointSlices Lintas generates from the
 * running replicas, and carries the version label access logs show.
 * @module
 */
import { z } from 'zod';
import { DNSLabel, DNSSubdomain } from './fields.ts';
import { LINTAS_V1ALPHA1 } from './lintas.ts';
import { ObjectMeta } from './meta.ts';

/** The built-in apps `lintas up` can run. */
export const WorkloadApp = z.enum(['case-api', 'search', 'audit-ingest', 'echo']);
/** case-api | search | audit-ingest | echo. */
export type WorkloadApp = z.infer<typeof WorkloadApp>;

/** Replicas when `spec.replicas` is not set. */
export const DEFAULT_WORKLOAD_REPLICAS = 2;

/** Workload spec, with defaults filled in. */
export const WorkloadSpec = z.looseObject({
  app: WorkloadApp,
  replicas: z.int().min(0).max(50).default(DEFAULT_WORKLOAD_REPLICAS),
  /** The `version` label of the generated EndpointSlices (shown as `backend_version` in access logs). */
  version: z.string().min(1).max(63).regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'must be a label value').default('v1'),
  /** The Service (same namespace and cluster) the replicas are endpoints of. */
  service: DNSLabel,
});
/** Workload spec as data. */
export type WorkloadSpec = z.infer<typeof WorkloadSpec>;

/** `lintas.dev/v1alpha1` Workload (namespaced, in a cluster folder). */
export const Workload = z.looseObject({
  apiVersion: z.literal(LINTAS_V1ALPHA1),
  kind: z.literal('Workload'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: WorkloadSpec,
});
/** Workload as data. */
export type Workload = z.infer<typeof Workload>;
