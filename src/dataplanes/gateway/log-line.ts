/**
 * The access log line of one exchange, built from fragments precompiled per
 * listener, virtual host, rule, backend and endpoint plus the few per-request
 * values; field set and order are those of {@link formatAccessLog} (tests
 * check both agree). Formatting is a visible share of proxy CPU, hence this.
 * @module
 */
import { isoTime, jsonMs, jsonString } from './access-log.ts';
import type { Exchange } from './exchange.ts';
import { flagString } from './runtime.ts';
import type { EndpointRef } from './upstream/index.ts';

const NO_VHOST = ',"gateway":null,"listener":null';
const NO_ROUTE = ',"route":null';
const NO_BACKEND = ',"service":null,"service_import":null';
const NO_DESTINATION = ',"destination_region":null,"destination_cluster":null';
const NO_UPSTREAM = ',"upstream":null,"backend_version":null';
const NO_POLICY = ',"failover_mode":null,"routing_mode":null,"policy":null,"request_class":null,"owner":null,"owner_epoch":null';

/** Per-endpoint fragments; endpoint refs are stable objects of the upstream set, so a WeakMap caches them. */
const endpointFragments = new WeakMap<EndpointRef, readonly [string, string]>();

function fragmentsOf(ep: EndpointRef): readonly [string, string] {
  let f = endpointFragments.get(ep);
  if (f === undefined) {
    f = [
      `,"destination_region":${jsonString(ep.region ?? null)},"destination_cluster":${jsonString(ep.cluster)}`,
      `,"upstream":${jsonString(ep.key)},"backend_version":${jsonString(ep.version ?? null)}`,
    ];
    endpointFragments.set(ep, f);
  }
  return f;
}

/** The access log line (with its newline) of a finished exchange. */
export function exchangeLogLine(ex: Exchange, end: number): string {
  const ep = ex.endpoint;
  const epf = ep === undefined ? undefined : fragmentsOf(ep);
  const upstreamMs = ex.upstreamStart === 0 ? null : (ex.upstreamEnd === 0 ? end : ex.upstreamEnd) - ex.upstreamStart;
  return (
    `{"time":"${isoTime(ex.start)}","request_id":${jsonString(ex.requestId ?? '')},"trace_id":"${ex.traceId}"` +
    ex.table.logEntry +
    (epf?.[0] ?? NO_DESTINATION) +
    (ex.vhost?.logVhost ?? NO_VHOST) +
    (ex.rule?.logRoute ?? NO_ROUTE) +
    (ex.backend?.logBackend ?? NO_BACKEND) +
    (epf?.[1] ?? NO_UPSTREAM) +
    (ex.policy === undefined
      ? NO_POLICY
      : `,"failover_mode":${ex.failoverMode === undefined ? 'null' : `"${ex.failoverMode}"`}${ex.policy.logPolicy},"request_class":${jsonString(ex.requestClass ?? null)},"owner":${jsonString(ex.owner ?? null)},"owner_epoch":${ex.ownerEpoch === undefined ? 'null' : String(ex.ownerEpoch)}`) +
    `,"method":${jsonString(ex.method)},"authority":${jsonString(ex.host)},"path":${jsonString(ex.req.url ?? '')}` +
    `,"status":${String(ex.status)},"duration_ms":${jsonMs(end - ex.start)},"upstream_duration_ms":${jsonMs(upstreamMs)}` +
    `,"retries":${String(ex.attempts > 1 ? ex.attempts - 1 : 0)},"response_flags":"${flagString(ex.flags)}","grpc_status":${ex.grpcStatus === undefined ? 'null' : String(ex.grpcStatus)}}\n`
  );
}
