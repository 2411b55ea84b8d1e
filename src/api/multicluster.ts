/**
 * Multi-Cluster Services API (`multicluster.x-k8s.io`, KEP-1645) and the
 * ClusterProperty of KEP-2149 (`about.k8s.io`).
 * @module
 */
import { z } from 'zod';
import { Annotations, DNS1035Label, DNSSubdomain, Labels } from './fields.ts';
import { type Condition, ObjectMeta } from './meta.ts';

/** The MCS API group. */
export const MCS_GROUP = 'multicluster.x-k8s.io';
/** GKE's fork of the MCS group, accepted where users reference ServiceImports. */
export const GKE_MCS_GROUP = 'net.gke.io';
/** Label naming the ServiceImport an imported EndpointSlice belongs to. */
export const MCS_SERVICE_NAME_LABEL = 'multicluster.kubernetes.io/service-name';
/** Label naming the cluster an imported EndpointSlice came from. */
export const MCS_SOURCE_CLUSTER_LABEL = 'multicluster.kubernetes.io/source-cluster';
/** ClusterProperty holding the cluster id (KEP-2149). */
export const CLUSTER_ID_PROPERTY = 'cluster.clusterset.k8s.io';
/** ClusterProperty holding the ClusterSet membership (KEP-2149). */
export const CLUSTERSET_PROPERTY = 'clusterset.k8s.io';

/** ServiceExport, served as `v1alpha1` and `v1beta1` with identical shapes. */
export const ServiceExport = z.looseObject({
  apiVersion: z.enum([`${MCS_GROUP}/v1alpha1`, `${MCS_GROUP}/v1beta1`]),
  kind: z.literal('ServiceExport'),
  // The export is named after the Service it exports, so it inherits the Service's name rules.
  metadata: ObjectMeta.extend({ name: DNS1035Label }),
  spec: z
    .looseObject({
      exportedLabels: Labels.optional(),
      exportedAnnotations: Annotations.optional(),
    })
    .optional(),
});
/** ServiceExport as data. */
export type ServiceExport = z.infer<typeof ServiceExport>;

/** ServiceImport types. */
export type ServiceImportType = 'ClusterSetIP' | 'Headless';

/** ServiceImport: controller-owned, produced by Lintas and never accepted as input. */
export interface ServiceImport {
  apiVersion: `${typeof MCS_GROUP}/v1beta1` | `${typeof MCS_GROUP}/v1alpha1`;
  kind: 'ServiceImport';
  metadata: ObjectMeta;
  spec: {
    type: ServiceImportType;
    ports: { name?: string; protocol: 'TCP' | 'UDP' | 'SCTP'; appProtocol?: string; port: number }[];
    ips?: string[];
    sessionAffinity?: 'ClientIP' | 'None';
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    ipFamilies?: ('IPv4' | 'IPv6')[];
    internalTrafficPolicy?: 'Cluster' | 'Local';
    trafficDistribution?: string;
  };
  status?: { clusters?: { cluster: string }[]; conditions?: Condition[] };
}

/** `about.k8s.io` ClusterProperty (cluster-scoped). */
export const ClusterProperty = z.looseObject({
  apiVersion: z.enum(['about.k8s.io/v1alpha1', 'about.k8s.io/v1beta1']),
  kind: z.literal('ClusterProperty'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: z.looseObject({ value: z.string().min(1, 'must not be empty').max(128000) }),
});
/** ClusterProperty as data. */
export type ClusterProperty = z.infer<typeof ClusterProperty>;
