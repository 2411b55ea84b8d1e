/**
 * How the informers talk to one API server: a paged list and a watch stream. The real transport
 * is `@kubernetes/client-node` (its KubeConfig for credentials and TLS, its Watch for streams);
 * unit tests pass a fake.
 * @module
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { KubeApiError } from './api-error.ts';
import { contextConfig, kubeRequest } from './client.ts';

export { isGone, KubeApiError } from './api-error.ts';

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

/** A transport for one kubeconfig context (credentials and TLS as kubectl would use them). */
export function kubeconfigTransport(kubeconfig: KubeConfig, context: string): KubeTransport {
  const { config, server } = contextConfig(kubeconfig, context);
  const watcher = new Watch(config);
  return {
    server,
    async list(path, query, signal) {
      const res = await kubeRequest(config, server, 'GET', path, { query, signal });
      if (res.status !== 200) throw new KubeApiError(res.status, typeof res.body?.['reason'] === 'string' ? res.body['reason'] : undefined, `GET ${server}${path}: ${String(res.status)} ${typeof res.body?.['message'] === 'string' ? res.body['message'] : ''}`.trim());
      return res.body as KubeList;
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
