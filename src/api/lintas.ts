/**
 * Lintas' own fleet-scoped kinds (`lintas.dev/v1alpha1`): Cluster and ClusterSet.
 * @module
 */
import { z } from 'zod';
import { CIDR, DNSLabel, DNSSubdomain } from './fields.ts';
import { ObjectMeta } from './meta.ts';

/** Lintas' API group. */
export const LINTAS_GROUP = 'lintas.dev';
/** Lintas' current API version. */
export const LINTAS_V1ALPHA1 = `${LINTAS_GROUP}/v1alpha1` as const;

/** Cluster: the fleet inventory record of one cluster (seed 001 §6 "minimal IPAM record"). */
export const Cluster = z.looseObject({
  apiVersion: z.literal(LINTAS_V1ALPHA1),
  kind: z.literal('Cluster'),
  // Cluster names become DNS labels (`<hostname>.<clusterid>.<svc>...`), so they must be labels.
  metadata: ObjectMeta.extend({ name: DNSLabel }),
  spec: z.looseObject({
    region: z.string().min(1, 'is required'),
    zones: z.array(z.string().min(1)).optional(),
    environment: z.string().min(1).optional(),
    network: DNSSubdomain.optional(),
    podCIDRs: z.array(CIDR).optional(),
    serviceCIDRs: z.array(CIDR).optional(),
    nodeCIDRs: z.array(CIDR).optional(),
    trustDomain: DNSSubdomain.optional(),
    owner: z.string().min(1).optional(),
    /** Requests per second the cluster can serve: failover headroom is measured against it, and CapacityAware weighs clusters by it. */
    capacity: z.number().min(0, 'must not be negative').optional(),
  }),
});
/** Cluster as data. */
export type Cluster = z.infer<typeof Cluster>;

/** ClusterSet: the clusters that share namespace sameness, MCS and a DNS zone. */
export const ClusterSet = z.looseObject({
  apiVersion: z.literal(LINTAS_V1ALPHA1),
  kind: z.literal('ClusterSet'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: z
    .looseObject({
      clusters: z.array(DNSLabel).min(1, 'a ClusterSet needs at least one cluster'),
      clusterSetIPRange: CIDR.optional(),
      dnsZone: DNSSubdomain.default('clusterset.local'),
      dnsTTLSeconds: z.int().min(0).max(86400).default(5),
      /** KEP "Endpoint TTL": a source cluster not refreshed for this long is withdrawn (default 300). */
      endpointTTLSeconds: z.int().min(1).max(604800).optional(),
    })
    .superRefine((spec, ctx) => {
      const seen = new Map<string, number>();
      spec.clusters.forEach((name, i) => {
        const first = seen.get(name);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['clusters', i], message: `duplicate cluster "${name}" (also .spec.clusters[${first}])` });
        else seen.set(name, i);
      });
    }),
});
/** ClusterSet as data. */
export type ClusterSet = z.infer<typeof ClusterSet>;
