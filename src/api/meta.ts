/**
 * Object metadata, identities and conditions shared by every kind.
 * @module
 */
import { z } from 'zod';
import { Annotations, DNSLabel, Labels, Timestamp } from './fields.ts';

/** A cluster's name inside the fleet; branded so it is never mixed up with a namespace. */
export type ClusterName = string & { readonly __brand: 'ClusterName' };
/** A Kubernetes namespace name; branded so it is never mixed up with a cluster. */
export type NamespaceName = string & { readonly __brand: 'NamespaceName' };

/** Brands a string as a cluster name (the caller has validated it). */
export const clusterName = (s: string): ClusterName => s as ClusterName;
/** Brands a string as a namespace name (the caller has validated it). */
export const namespaceName = (s: string): NamespaceName => s as NamespaceName;

/** `namespace/name`, or just `name` for cluster-scoped objects; built only by {@link objectKey}. */
export type ObjectKey = string & { readonly __brand: 'ObjectKey' };
/** Builds the canonical key of an object. */
export function objectKey(namespace: string | undefined, name: string): ObjectKey {
  return (namespace ? `${namespace}/${name}` : name) as ObjectKey;
}

/** metav1.ObjectMeta, the fields Lintas reads (unknown fields pass through untouched). */
export const ObjectMeta = z.looseObject({
  // The name format depends on the kind; each kind's schema narrows it.
  name: z.string().min(1, 'is required'),
  namespace: DNSLabel.optional(),
  labels: Labels.optional(),
  annotations: Annotations.optional(),
  creationTimestamp: Timestamp.optional().nullable(),
  generation: z.int().min(0).optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
});
/** metav1.ObjectMeta as data. */
export type ObjectMeta = z.infer<typeof ObjectMeta>;

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** The envelope every manifest shares. */
export interface TypeMeta {
  apiVersion: string;
  kind: string;
}
