/**
 * `echo`: answers any method and path with who served it (cluster, region,
 * replica, version) and the Lintas-relevant request headers, so a person can
 * see routing decisions with curl.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { jsonReply, startAppHost, type AppRequest } from './http-host.ts';
import type { AppOptions, BaseStats, RunningApp } from './types.ts';

/** Headers `echo` reflects: Lintas' own, the forwarding chain and the shadow marker. */
export function echoedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers).sort()) {
    if (!name.startsWith('x-lintas-') && name !== 'x-forwarded-for' && name !== 'x-shadow-traffic') continue;
    const value = headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Counters of `echo` (`GET /stats`). */
export interface EchoStats {
  readonly echoed: number;
}

/** Starts an `echo` replica. */
export async function startEcho(options: AppOptions): Promise<RunningApp<BaseStats & EchoStats>> {
  let echoed = 0;
  return startAppHost(options, (host) => ({
    app: 'echo' as const,
    stats: () => ({ echoed }),
    handle: (req: AppRequest) => {
      echoed++;
      const { cluster, region, replica, version } = host.identity;
      return jsonReply(200, {
        cluster,
        region,
        replica,
        version,
        method: req.method,
        path: req.path,
        host: typeof req.headers.host === 'string' ? req.headers.host : '',
        remoteAddress: req.remoteAddress,
        headers: echoedHeaders(req.headers),
      });
    },
  }));
}
