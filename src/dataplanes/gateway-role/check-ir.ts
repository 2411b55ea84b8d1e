/**
 * The admission check of a gateway fed over the network: a Gateway IR received
 * on the config stream is checked before anything is applied, so a malformed or
 * inconsistent version is rejected (NACK, with every problem) while the last
 * good one keeps serving. It checks the shape the data plane relies on and every
 * reference: listener keys unique across HTTP and TCP, addresses and ports,
 * backends, mirrors, TCP listeners and policy mirrors pointing at upstreams that
 * exist, rules and upstreams pointing at policies that exist. Pure.
 * @module
 */
import { parseIP } from '../../lib/index.ts';

type Rec = Readonly<Record<string, unknown>>;

const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= 65535;

/** The problems of `ir` as `.path: message` lines, in document order (empty: it may be applied). */
export function checkGatewayIR(ir: unknown): string[] {
  const problems: string[] = [];
  const problem = (path: string, message: string): void => void problems.push(`${path}: ${message}`);
  if (!isRecord(ir)) return ['.: the config must be an object with listeners and upstreams'];
  const list = (path: string, value: unknown, required: boolean): readonly unknown[] => {
    if (value === undefined && !required) return [];
    if (Array.isArray(value)) return value;
    problem(path, value === undefined ? 'is required' : 'must be a list');
    return [];
  };
  const listeners = list('.listeners', ir['listeners'], true);
  const upstreams = list('.upstreams', ir['upstreams'], true);
  const tcpListeners = list('.tcpListeners', ir['tcpListeners'], false);
  const policies = list('.policies', ir['policies'], false);

  const keyed = (path: string, entries: readonly unknown[], seen: Map<string, string>): void => {
    entries.forEach((entry, i) => {
      const at = `${path}[${String(i)}]`;
      if (!isRecord(entry)) return problem(at, 'must be an object');
      const key = entry['key'];
      if (typeof key !== 'string' || key === '') return problem(`${at}.key`, 'must be a non-empty string');
      const first = seen.get(key);
      if (first !== undefined) problem(`${at}.key`, `duplicate key ${JSON.stringify(key)} (also ${first})`);
      else seen.set(key, at);
    });
  };
  const upstreamKeys = new Map<string, string>();
  const policyKeys = new Map<string, string>();
  const listenerKeys = new Map<string, string>();
  keyed('.upstreams', upstreams, upstreamKeys);
  keyed('.policies', policies, policyKeys);
  keyed('.listeners', listeners, listenerKeys);
  keyed('.tcpListeners', tcpListeners, listenerKeys);

  const upstreamRef = (path: string, value: unknown): void => {
    if (typeof value !== 'string') problem(path, 'must be an upstream key');
    else if (!upstreamKeys.has(value)) problem(path, `no upstream ${JSON.stringify(value)} in this config`);
  };
  const policyRef = (path: string, value: unknown): void => {
    if (value === undefined) return;
    if (typeof value !== 'string' || !policyKeys.has(value)) problem(path, `no policy ${JSON.stringify(value)} in this config`);
  };
  const address = (path: string, value: unknown): void => {
    if (typeof value !== 'string' || parseIP(value) === undefined) problem(path, `must be an IP address, got ${JSON.stringify(value)}`);
  };
  const mirrors = (path: string, filters: unknown): void => {
    if (filters === undefined) return;
    if (!isRecord(filters)) return problem(path, 'must be an object');
    list(`${path}.mirrors`, filters['mirrors'], false).forEach((m, i) => upstreamRef(`${path}.mirrors[${String(i)}].upstream`, isRecord(m) ? m['upstream'] : undefined));
  };

  listeners.forEach((l, i) => {
    const at = `.listeners[${String(i)}]`;
    if (!isRecord(l)) return;
    address(`${at}.address`, l['address']);
    if (!isPort(l['port'], 0)) problem(`${at}.port`, 'must be an integer from 0 to 65535');
    if (typeof l['cluster'] !== 'string') problem(`${at}.cluster`, 'must be a string');
    list(`${at}.virtualHosts`, l['virtualHosts'], true).forEach((vh, v) => {
      const vat = `${at}.virtualHosts[${String(v)}]`;
      if (!isRecord(vh)) return problem(vat, 'must be an object');
      if (typeof vh['hostname'] !== 'string') problem(`${vat}.hostname`, 'must be a string');
      list(`${vat}.routes`, vh['routes'], true).forEach((r, n) => {
        const rat = `${vat}.routes[${String(n)}]`;
        if (!isRecord(r)) return problem(rat, 'must be an object');
        if (!isRecord(r['match']) || !isRecord(r['match']['path'])) problem(`${rat}.match.path`, 'is required');
        mirrors(`${rat}.filters`, r['filters']);
        policyRef(`${rat}.policy`, r['policy']);
        list(`${rat}.backends`, r['backends'], true).forEach((b, k) => {
          const bat = `${rat}.backends[${String(k)}]`;
          if (!isRecord(b)) return problem(bat, 'must be an object');
          if (typeof b['weight'] !== 'number' || !(b['weight'] >= 0)) problem(`${bat}.weight`, 'must be a number ≥ 0');
          if (b['upstream'] !== undefined) upstreamRef(`${bat}.upstream`, b['upstream']);
          else if (b['invalid'] === undefined) problem(`${bat}`, 'needs an upstream, or invalid saying why not');
          mirrors(`${bat}.filters`, b['filters']);
        });
      });
    });
  });
  tcpListeners.forEach((t, i) => {
    const at = `.tcpListeners[${String(i)}]`;
    if (!isRecord(t)) return;
    address(`${at}.address`, t['address']);
    if (!isPort(t['port'], 0)) problem(`${at}.port`, 'must be an integer from 0 to 65535');
    upstreamRef(`${at}.upstream`, t['upstream']);
    list(`${at}.entryBySource`, t['entryBySource'], true);
  });
  upstreams.forEach((u, i) => {
    const at = `.upstreams[${String(i)}]`;
    if (!isRecord(u)) return;
    // h2c: HTTP/2 upstreams (appProtocol kubernetes.io/h2c, GRPCRoute backends), over TLS when `tls` is set.
    if (u['protocol'] !== 'http' && u['protocol'] !== 'h2c' && u['protocol'] !== 'tcp') problem(`${at}.protocol`, 'must be http, h2c or tcp');
    const tls = u['tls'];
    if (tls !== undefined && (!isRecord(tls) || typeof tls['hostname'] !== 'string' || typeof tls['policy'] !== 'string')) problem(`${at}.tls`, 'must be an object with policy and hostname');
    policyRef(`${at}.policy`, u['policy']);
    list(`${at}.endpoints`, u['endpoints'], true).forEach((e, n) => {
      const eat = `${at}.endpoints[${String(n)}]`;
      if (!isRecord(e)) return problem(eat, 'must be an object');
      address(`${eat}.address`, e['address']);
      if (!isPort(e['port'], 1)) problem(`${eat}.port`, 'must be an integer from 1 to 65535');
      if (typeof e['cluster'] !== 'string') problem(`${eat}.cluster`, 'must be a string');
      if (typeof e['ready'] !== 'boolean') problem(`${eat}.ready`, 'must be true or false');
    });
  });
  policies.forEach((p, i) => {
    const at = `.policies[${String(i)}]`;
    if (!isRecord(p)) return;
    if (!isRecord(p['locality'])) problem(`${at}.locality`, 'is required');
    if (!Array.isArray(p['mutationMethods'])) problem(`${at}.mutationMethods`, 'must be a list');
    const mirror = p['mirror'];
    if (isRecord(mirror) && mirror['upstream'] !== undefined) upstreamRef(`${at}.mirror.upstream`, mirror['upstream']);
  });
  return problems;
}
