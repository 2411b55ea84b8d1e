/**
 * How the informers talk to one API server: a paged list and a watch stream. The real transport
 * is `@kubernetes/client-node` (its KubeConfig for credentials and TLS, its Watch for streams);
 * unit tests pass a fake.
 * @module
 */
import { HttpMethod, KubeConfig, RequestContext, Watch } from '@kubernetes/client-node';
import { fetch } from 'undici';

/** A list response as the informer needs it. */
export interface KubeList {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items?: readonly Record<string, unknown>[];
}

/** One watch event (`type` ADDED, MODIFIED, DELETED, BOOKMARK or ERROR). */
export interface KubeWatchEvent {
  readonly type: string;
  readonly object: Record<string, unknown>;
}

/** An open watch: `ended` resolves when the server closes it cleanly, rejects on a failure. */
export interface OpenWatch {
  readonly ended: Promise<void>;
}

/** What the informers need from an API server. */
export interface KubeTransport {
  /** Where it points (for logs and errors). */
  readonly server: string;
  /** GETs one page of a collection; throws {@link KubeApiError} on an error status. */
  list(path: string, query: Readonly<Record<string, string>>, signal: AbortSignal): Promise<KubeList>;
  /** Opens a watch; resolves once the server answered 200, throws {@link KubeApiError} if it did not. */
  watch(path: string, query: Readonly<Record<string, string>>, onEvent: (event: KubeWatchEvent) => void, signal: AbortSignal): Promise<OpenWatch>;
}

/** An API server's error answer (or a failure to reach it: `status` 0). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly code = 'LINTAS_ERR_KUBE_API';
  /** Creates the error for an HTTP `status` (0: no answer) and the Status `reason` when there was one. */
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for 410 Gone / reason Expired: the resourceVersion was compacted away, so relist. */
export function isGone(error: unknown): boolean {
  return error instanceof KubeApiError && (error.status === 410 || error.reason === 'Expired' || error.reason === 'Gone');
}

/** A transport for one kubeconfig context (credentials and TLS as kubectl would use them). */
export function kubeconfigTransport(kubeconfig: KubeConfig, context: string): KubeTransport {
  const config = new KubeConfig();
  config.loadFromString(kubeconfig.exportConfig());
  config.setCurrentContext(context);
  const server = config.getCurrentCluster()?.server;
  if (server === undefined) throw new Error(`kubeconfig context "${context}" names no cluster with a server`);
  const watcher = new Watch(config);
  return {
    server,
    async list(path, query, signal) {
      const url = new URL(server + path);
      for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
      const ctx = new RequestContext(url.toString(), HttpMethod.GET);
      await config.applySecurityAuthentication(ctx);
      let res;
      try {
        res = await fetch(url, { headers: { ...ctx.getHeaders(), accept: 'application/json' }, dispatcher: ctx.getDispatcher(), signal });
      } catch (error) {
        throw new KubeApiError(0, undefined, `GET ${server}${path}: ${(error as Error).message}`, { cause: error });
      }
      const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      if (res.status !== 200) throw new KubeApiError(res.status, typeof body?.['reason'] === 'string' ? body['reason'] : undefined, `GET ${server}${path}: ${String(res.status)} ${typeof body?.['message'] === 'string' ? body['message'] : ''}`.trim());
      return body as KubeList;
    },
    async watch(path, query, onEvent, signal) {
      let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
      const ended = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      ended.catch(() => undefined); // observed by the caller once connected; never an unhandled rejection
      let failed: unknown;
      const controller = await watcher.watch(
        path,
        { ...query },
        (type, object) => onEvent({ type, object: object as Record<string, unknown> }),
        (error: unknown) => {
          if (error === null || error === undefined) return settle?.resolve();
          const status = (error as { statusCode?: number }).statusCode ?? 0;
          failed = new KubeApiError(status, status === 410 ? 'Expired' : undefined, `watch ${server}${path}: ${(error as Error).message}`, { cause: error });
          settle?.reject(failed);
        },
      );
      if (failed !== undefined) throw failed;
      if (signal.aborted) controller.abort();
      else signal.addEventListener('abort', () => controller.abort(), { once: true });
      return { ended };
    },
  };
}
