/**
 * How `lintas up --kube` writes into its API servers: server-side apply (field manager `lintas-up`)
 * of the fleet's cluster objects once, and of the EndpointSlices generated from the running
 * replicas whenever their readiness changes (what a cluster's EndpointSlice controller does).
 * @module
 */
import type { EndpointSlice } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { KubeObject } from './kube-plan.ts';

/** The field manager of everything the sandbox writes (Lintas's own write-back uses `lintas`). */
export const SANDBOX_FIELD_MANAGER = 'lintas-up';

/** Sends one request to a cluster's API server (the fleet's admin credentials). */
export type KubeRequest = (cluster: string, method: string, path: string, body?: unknown, contentType?: string) => Promise<{ status: number; body: unknown }>;

const PLURALS: Readonly<Record<string, { plural: string; namespaced: boolean }>> = {
  Namespace: { plural: 'namespaces', namespaced: false },
  Service: { plural: 'services', namespaced: true },
  EndpointSlice: { plural: 'endpointslices', namespaced: true },
  ServiceExport: { plural: 'serviceexports', namespaced: true },
  GatewayClass: { plural: 'gatewayclasses', namespaced: false },
  Gateway: { plural: 'gateways', namespaced: true },
  HTTPRoute: { plural: 'httproutes', namespaced: true },
  GRPCRoute: { plural: 'grpcroutes', namespaced: true },
  ReferenceGrant: { plural: 'referencegrants', namespaced: true },
};

/** The REST path of `object` (its kind must be one the sandbox applies). */
export function objectPath(object: KubeObject): string {
  const resource = PLURALS[object.kind];
  if (resource === undefined) throw new Error(`lintas up --kube does not apply ${object.kind} objects`);
  const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(object.metadata.namespace ?? 'default')}` : '';
  return `${base}${ns}/${resource.plural}/${encodeURIComponent(object.metadata.name)}`;
}

/** Server-side applies `object` to `cluster`; an error names the cluster, the object and the API server's answer. */
export async function applyObject(request: KubeRequest, cluster: string, object: KubeObject): Promise<void> {
  const { status, body } = await request(cluster, 'PATCH', `${objectPath(object)}?fieldManager=${SANDBOX_FIELD_MANAGER}&force=true`, object, 'application/apply-patch+yaml');
  if (status >= 300) {
    const message = (body as { message?: string } | undefined)?.message ?? JSON.stringify(body);
    throw new Error(`${cluster}: ${object.kind} ${object.metadata.namespace !== undefined ? `${object.metadata.namespace}/` : ''}${object.metadata.name}: ${String(status)} ${message}`);
  }
}

/** Keeps the API servers' EndpointSlices equal to the generated ones. */
export interface SliceWriter {
  /** Writes what changed since the last write (coalesced: one pass at a time, the latest wins). */
  sync(): void;
  /** Resolves once a pass that started after this call has ended (tests and `up`'s readiness wait on it). */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

/** Creates the writer; `generate` answers the slices by cluster now. */
export function createSliceWriter(options: { request: KubeRequest; generate: () => ReadonlyMap<string, readonly EndpointSlice[]>; log: Logger; retryMs?: number }): SliceWriter {
  const written = new Map<string, string>();
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const waiters: (() => void)[] = [];
  const pass = async (): Promise<void> => {
    let failed = false;
    for (const [cluster, slices] of options.generate()) {
      for (const slice of slices) {
        const key = `${cluster}/${slice.metadata.namespace ?? ''}/${slice.metadata.name}`;
        const json = JSON.stringify(slice);
        if (written.get(key) === json) continue;
        try {
          await applyObject(options.request, cluster, slice as unknown as KubeObject);
          written.set(key, json);
        } catch (error) {
          failed = true;
          options.log.warn('cannot write an EndpointSlice; retrying', { cluster, slice: slice.metadata.name, error: (error as Error).message });
        }
      }
    }
    if (failed && !closed) retry = setTimeout(() => writer.sync(), options.retryMs ?? 500);
  };
  const writer: SliceWriter = {
    sync() {
      if (closed) return;
      if (running !== undefined) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          const done = waiters.splice(0);
          await pass();
          for (const w of done) w();
        } while (again && !closed);
        running = undefined;
      })();
    },
    flushed() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        writer.sync();
      });
    },
    async close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      await running;
      for (const w of waiters.splice(0)) w();
    },
  };
  return writer;
}
