/**
 * Objects Lintas writes into member clusters' API servers (issue 16, write-back): the plain data a
 * pure planner (controllers) hands to the writer (sources/kubernetes), so neither imports the other.
 * @module
 */

/** Label every object Lintas creates carries, with the writing Lintas instance's owner id (selectable, for garbage collection). */
export const OWNER_LABEL = 'lintas.dev/owner';
/** Annotation on every object Lintas creates: the owner id again, checked with managedFields before any update or delete. */
export const OWNER_ANNOTATION = 'lintas.dev/owned-by';
/** Annotation holding a digest of what Lintas last applied, so an unchanged object is never written again. */
export const APPLIED_HASH_ANNOTATION = 'lintas.dev/applied-hash';
/** The server-side apply field manager of every Lintas write. */
export const LINTAS_FIELD_MANAGER = 'lintas';

/** A REST resource: enough to build its path and its `apiVersion`. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

/** ServiceImports as written (v1beta1). */
export const SERVICE_IMPORT_RESOURCE: ResourceType = { group: 'multicluster.x-k8s.io', version: 'v1beta1', plural: 'serviceimports', kind: 'ServiceImport' };
/** ServiceExports, whose status Lintas writes. */
export const SERVICE_EXPORT_RESOURCE: ResourceType = { group: 'multicluster.x-k8s.io', version: 'v1beta1', plural: 'serviceexports', kind: 'ServiceExport' };
/** Derived Services. */
export const SERVICE_RESOURCE: ResourceType = { group: '', version: 'v1', plural: 'services', kind: 'Service' };
/** Imported EndpointSlices. */
export const ENDPOINT_SLICE_RESOURCE: ResourceType = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice' };

/** The kinds of object Lintas creates in an importing cluster (and so garbage-collects), in the order they are written. */
export const OWNED_RESOURCES: readonly ResourceType[] = [SERVICE_RESOURCE, SERVICE_IMPORT_RESOURCE, ENDPOINT_SLICE_RESOURCE];

/**
 * One write Lintas wants in a cluster.
 * - `object`: an object Lintas creates and owns (created if absent, force-applied while it is Lintas's,
 *   deleted when no longer desired); one with the same name that Lintas did not create is left alone.
 * - `status`: the status subresource of an object; `owned` says whether Lintas created the object
 *   (only then is the apply forced: someone else's status field is never taken over).
 */
export interface DesiredWrite {
  readonly resource: ResourceType;
  readonly namespace: string;
  readonly name: string;
  readonly write: 'object' | 'status';
  readonly owned: boolean;
  /** The apply configuration (apiVersion, kind, metadata.name/namespace and the fields Lintas sets). */
  readonly body: Readonly<Record<string, unknown>>;
  /** Status writes: the metadata.generation the status was computed for; a live object at another generation is skipped. */
  readonly generation?: number;
  /** A Kubernetes Event to record on the object when this write changes it (e.g. a new export conflict). */
  readonly event?: WriteEvent;
}

/** An Event about the written object (`core/v1` Event: involvedObject is the object itself). */
export interface WriteEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}
