/**
 * The API layer: resource types and schemas, no behaviour beyond declarative checks.
 * Every other layer may import it; it imports only `lib/`.
 * @module
 */
export * from './backend-tls-policy.ts';
export * from './core.ts';
export * from './crd-schema.ts';
export * from './crds.ts';
export * from './discovery.ts';
export * from './dns-policy.ts';
export * from './failover.ts';
export * from './fields.ts';
export * from './gateway.ts';
export * from './grpcroute.ts';
export * from './health-contract.ts';
export * from './httproute.ts';
export * from './kinds.ts';
export * from './lintas.ts';
export * from './managed-object.ts';
export * from './meta.ts';
export * from './multicluster.ts';
export * from './ownership-map.ts';
export type * from './snapshot.ts';
export * from './traffic-policy.ts';
export * from './workload.ts';
