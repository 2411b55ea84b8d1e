/**
 * Plain requests to one API server with a kubeconfig context's credentials and TLS (as kubectl would
 * use them): the informers' lists and the writer's creates, applies and deletes share it.
 * @module
 */
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch } from 'undici';
import { KubeApiError } from './api-error.ts';

/** An API server's answer: its status and JSON body (undefined when the body is not JSON). */
export interface KubeResponse {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/** Options of one request. */
export interface KubeRequestOptions {
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Default `application/json` when there is a body. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/** What the writer needs from an API server: any request, answered with status and body. */
export interface KubeClient {
  /** Where it points (for logs and errors). */
  readonly server: string;
  /** Sends one request; an error status is an answer, only no answer at all throws ({@link KubeApiError} with status 0). */
  request(method: string, path: string, options?: KubeRequestOptions): Promise<KubeResponse>;
}

/** The kubeconfig at `path`; an unreadable or malformed file throws an error naming it. */
export function loadKubeconfig(path: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromFile(path);
  } catch (error) {
    throw new Error(`cannot read kubeconfig ${path}: ${(error as Error).message}`, { cause: error });
  }
  return config;
}

/** A copy of `kubeconfig` switched to `context`, and the server it points at (throws when the context names none). */
export function contextConfig(kubeconfig: KubeConfig, context: string): { config: KubeConfig; server: string } {
  const config = new KubeConfig();
  config.loadFromString(kubeconfig.exportConfig());
  config.setCurrentContext(context);
  const server = config.getCurrentCluster()?.server;
  if (server === undefined) throw new Error(`kubeconfig context "${context}" names no cluster with a server`);
  return { config, server };
}

const METHODS: Readonly<Record<string, HttpMethod>> = { GET: HttpMethod.GET, POST: HttpMethod.POST, PUT: HttpMethod.PUT, PATCH: HttpMethod.PATCH, DELETE: HttpMethod.DELETE };

/** The connection pool a client keeps across requests (see {@link kubeconfigClient}). */
export interface KubePool {
  dispatcher?: ReturnType<RequestContext['getDispatcher']>;
}

/**
 * One authenticated request through `config`'s current context. client-node builds a new undici
 * Agent (a new TLS connection, its CA parsed again) for every request it authenticates; with `pool`
 * the first one is kept and reused, as client-go keeps one transport per cluster.
 */
export async function kubeRequest(config: KubeConfig, server: string, method: string, path: string, options: KubeRequestOptions = {}, pool?: KubePool): Promise<KubeResponse> {
  const url = new URL(server + path);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const ctx = new RequestContext(url.toString(), METHODS[method] ?? HttpMethod.GET);
  // Credentials are applied per request (a token file or exec plugin may rotate them); the TLS agent is not per request.
  await config.applySecurityAuthentication(ctx);
  if (pool !== undefined) pool.dispatcher ??= ctx.getDispatcher();
  const headers: Record<string, string> = { ...ctx.getHeaders(), accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      dispatcher: pool?.dispatcher ?? ctx.getDispatcher(),
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw new KubeApiError(0, undefined, `${method} ${server}${path}: ${(error as Error).message}`, { cause: error });
  }
  const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  return { status: res.status, body };
}

/** A client for one kubeconfig context: one connection pool for all its requests. */
export function kubeconfigClient(kubeconfig: KubeConfig, context: string): KubeClient {
  const { config, server } = contextConfig(kubeconfig, context);
  const pool: KubePool = {};
  return { server, request: (method, path, options) => kubeRequest(config, server, method, path, options, pool) };
}
