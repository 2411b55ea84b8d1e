/**
 * The HTTP client an app uses to talk to its peers (replication, snapshot
 * bootstrap). Every call is bounded by a timeout, so a stopped or partitioned
 * peer costs a bounded wait, and outgoing connections leave from the app's own
 * address so that source addresses keep identifying the cluster.
 * @module
 */
import { Agent, request } from 'undici';
import { parseIP } from '../../lib/index.ts';

/** Default bound of one peer call (ms). */
export const DEFAULT_PEER_TIMEOUT_MS = 1000;

/** A peer call that did not get a 2xx answer. */
export class PeerError extends Error {
  /** `LINTAS_ERR_PEER_STATUS` (non-2xx answer) or `LINTAS_ERR_PEER_UNREACHABLE` (refused, reset, timed out). */
  readonly code: 'LINTAS_ERR_PEER_STATUS' | 'LINTAS_ERR_PEER_UNREACHABLE';
  /** HTTP status, for `LINTAS_ERR_PEER_STATUS`. */
  readonly status?: number;

  /** Wraps a failed call to `url`. */
  constructor(url: string, code: PeerError['code'], detail: string, status?: number, cause?: unknown) {
    super(`peer ${url}: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'PeerError';
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

/** JSON calls to peers. */
export interface PeerClient {
  /** POSTs `body` as JSON to `baseUrl + path` and returns the parsed JSON answer. */
  postJson(baseUrl: string, path: string, body: unknown): Promise<unknown>;
  /** GETs `baseUrl + path` and returns the parsed JSON answer. */
  getJson(baseUrl: string, path: string): Promise<unknown>;
  /** Drops every pooled connection. */
  close(): Promise<void>;
}

function isSpecificAddress(host: string | undefined): host is string {
  const ip = parseIP(host ?? '');
  return ip !== undefined && ip.value !== 0n;
}

/** Creates a client whose connections leave from `localAddress` when it is a specific IP. */
export function createPeerClient(options: { readonly localAddress?: string; readonly timeoutMs?: number } = {}): PeerClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PEER_TIMEOUT_MS;
  const agent = new Agent({
    connect: { timeout: timeoutMs, ...(isSpecificAddress(options.localAddress) ? { localAddress: options.localAddress } : {}) },
    keepAliveTimeout: 2000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  const call = async (method: 'GET' | 'POST', baseUrl: string, path: string, body?: unknown): Promise<unknown> => {
    const url = `${baseUrl.replace(/\/+$/, '')}${path}`;
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        method,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      throw new PeerError(url, 'LINTAS_ERR_PEER_UNREACHABLE', (error as Error).message, undefined, error);
    }
    if (status < 200 || status > 299) throw new PeerError(url, 'LINTAS_ERR_PEER_STATUS', `answered ${String(status)}`, status);
    try {
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch (error) {
      throw new PeerError(url, 'LINTAS_ERR_PEER_STATUS', 'answered invalid JSON', status, error);
    }
  };

  return {
    postJson: (baseUrl, path, body) => call('POST', baseUrl, path, body),
    getJson: (baseUrl, path) => call('GET', baseUrl, path),
    close: async () => {
      await agent.destroy().catch(() => undefined);
    },
  };
}
