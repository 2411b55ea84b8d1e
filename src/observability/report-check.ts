/**
 * The check of a data-plane report posted on the config stream (`POST
 * /api/v1/config-stream/:cluster/report`): every field typed and bounded, and a
 * gateway may speak only for traffic that entered its own cluster, so a leaked
 * gateway token cannot paint another cluster's edges or alerts. A bad report is
 * a 400 naming the field; nothing of it is kept.
 * @module
 */
import type { DataPlaneReport, EndpointState } from '../ir/index.ts';
import { AdminApiError } from './admin-server.ts';

/** Bounds of one report (far above a real gateway's: its pair table holds at most 1,025 pairs). */
const MAX_PAIRS = 2_048;
const MAX_BUCKETS = 64;
const MAX_ENDPOINTS = 20_000;
const MAX_ITEMS = 4_096;
const MAX_NAME = 253;
const STATES: readonly EndpointState[] = ['not_ready', 'terminating', 'pending', 'unhealthy', 'ejected', 'healthy'];
/** The entry cluster of the pair that collects pairs past the gateway's bound. */
const OTHER = 'other';

const fail = (field: string, message: string): never => {
  throw new AdminApiError(400, 'bad_request', `.${field}: ${message}`);
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown, field: string, max: number): unknown[] => (Array.isArray(v) ? (v.length <= max ? v : fail(field, `at most ${String(max)} entries`)) : fail(field, 'must be an array'));
const object = (v: unknown, field: string): Record<string, unknown> => (isObject(v) ? v : fail(field, 'must be an object'));
const name = (v: unknown, field: string): string => (typeof v === 'string' && v.length <= MAX_NAME ? v : fail(field, `must be a string of at most ${String(MAX_NAME)} characters`));
const count = (v: unknown, field: string): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(field, 'must be a non-negative integer'));

/** The report of cluster `cluster`'s gateway, checked (400 naming the first bad field). */
export function checkedReport(body: Readonly<Record<string, unknown>>, cluster: string): DataPlaneReport {
  const traffic = object(body['traffic'], 'traffic');
  const bucketBoundsMs = list(traffic['bucketBoundsMs'], 'traffic.bucketBoundsMs', MAX_BUCKETS).map((b, i) =>
    typeof b === 'number' && Number.isFinite(b) && b > 0 ? b : fail(`traffic.bucketBoundsMs[${String(i)}]`, 'must be a positive number'),
  );
  const pairs = list(traffic['pairs'], 'traffic.pairs', MAX_PAIRS).map((raw, i) => {
    const at = `traffic.pairs[${String(i)}]`;
    const p = object(raw, at);
    const entry = name(p['entry'], `${at}.entry`);
    if (entry !== cluster && entry !== OTHER) fail(`${at}.entry`, `a gateway of cluster ${cluster} reports only traffic that entered ${cluster}, not ${entry}`);
    const requests = count(p['requests'], `${at}.requests`);
    const errors5xx = count(p['errors5xx'], `${at}.errors5xx`);
    if (errors5xx > requests) fail(`${at}.errors5xx`, 'must not exceed requests');
    const buckets = list(p['buckets'], `${at}.buckets`, MAX_BUCKETS + 1).map((b, j) => count(b, `${at}.buckets[${String(j)}]`));
    return { entry, destination: name(p['destination'], `${at}.destination`), requests, errors5xx, buckets };
  });
  const observation = object(body['observation'], 'observation');
  const endpoints = list(observation['endpoints'], 'observation.endpoints', MAX_ENDPOINTS).map((raw, i) => {
    const at = `observation.endpoints[${String(i)}]`;
    const e = object(raw, at);
    const kind: 'Service' | 'ServiceImport' = e['kind'] === 'Service' || e['kind'] === 'ServiceImport' ? e['kind'] : fail(`${at}.kind`, 'must be Service or ServiceImport');
    const state = STATES.includes(e['state'] as EndpointState) ? (e['state'] as EndpointState) : fail(`${at}.state`, `must be one of ${STATES.join(', ')}`);
    const port = typeof e['port'] === 'number' && Number.isInteger(e['port']) && e['port'] >= 0 && e['port'] <= 65_535 ? e['port'] : fail(`${at}.port`, 'must be a port number');
    return {
      upstream: name(e['upstream'], `${at}.upstream`),
      kind,
      namespace: name(e['namespace'], `${at}.namespace`),
      name: name(e['name'], `${at}.name`),
      address: name(e['address'], `${at}.address`),
      port,
      cluster: name(e['cluster'], `${at}.cluster`),
      state,
    };
  });
  const attemptsRaw = object(observation['attemptsByCluster'], 'observation.attemptsByCluster');
  if (Object.keys(attemptsRaw).length > MAX_ITEMS) fail('observation.attemptsByCluster', `at most ${String(MAX_ITEMS)} clusters`);
  const attemptsByCluster = Object.fromEntries(Object.entries(attemptsRaw).map(([k, v]) => [name(k, 'observation.attemptsByCluster'), count(v, `observation.attemptsByCluster.${k}`)]));
  const nonOwnerMutations = list(body['nonOwnerMutations'], 'nonOwnerMutations', MAX_ITEMS).map((raw, i) => {
    const at = `nonOwnerMutations[${String(i)}]`;
    const m = object(raw, at);
    return { owner: name(m['owner'], `${at}.owner`), destination: name(m['destination'], `${at}.destination`), count: count(m['count'], `${at}.count`) };
  });
  const certificates = list(body['certificates'], 'certificates', MAX_ITEMS).map((raw, i) => {
    const at = `certificates[${String(i)}]`;
    const c = object(raw, at);
    const notAfter = name(c['notAfter'], `${at}.notAfter`);
    if (Number.isNaN(Date.parse(notAfter))) fail(`${at}.notAfter`, 'must be an RFC 3339 time');
    const certCluster = name(c['cluster'], `${at}.cluster`);
    if (certCluster !== cluster) fail(`${at}.cluster`, `a gateway of cluster ${cluster} reports only its own certificates, not ${certCluster}'s`);
    return { cluster: certCluster, secret: name(c['secret'], `${at}.secret`), notAfter };
  });
  return { traffic: { bucketBoundsMs, pairs }, observation: { endpoints, attemptsByCluster }, nonOwnerMutations, certificates };
}
