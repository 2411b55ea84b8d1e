/**
 * Small HTTP helpers the capstone scenario (and its e2e test and benchmark)
 * use against a running `lintas up`: one request that never throws, the admin
 * API with a bearer token, a bounded poll, and the MCS view's ClusterSetIPs.
 * @module
 */
import http from 'node:http';

/** What the running fleet exposes (from `.lintas/up.json`). */
export interface FleetHandle {
  readonly admin: string;
  readonly token: string;
  /** A second local subject (role approver) so a proposal made with `token` can be approved. */
  readonly approverToken?: string;
  readonly gateways: Readonly<Record<string, string>>;
}

/** Options of {@link call}. */
export interface CallInit {
  readonly method?: string;
  readonly host?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request; never throws (status 0 on a transport error or timeout). */
export function call(url: string, init: CallInit = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const headers: Record<string, string> = { ...(init.host !== undefined ? { host: init.host } : {}), ...init.headers };
    if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(init.body));
    }
    const req = http.request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: init.method ?? 'GET', headers, agent: init.localAddress === undefined ? agent : false, timeout: init.timeoutMs ?? 3000, ...(init.localAddress !== undefined ? { localAddress: init.localAddress } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** Calls the admin API with the fleet's token (or `token`); throws with the server's answer on a non-2xx status. */
export async function admin(fleet: FleetHandle, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>, token = fleet.token): Promise<unknown> {
  const r = await call(`${fleet.admin}${path}`, { method, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), timeoutMs: 10_000 });
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path} → ${String(r.status)} ${r.body}`);
  return r.body === '' ? undefined : (JSON.parse(r.body) as unknown);
}

/** Polls `check` every 100 ms until it returns a value; throws after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The ClusterSetIP:port of a ServiceImport, from the admin's MCS view. */
export async function clusterSetIP(fleet: FleetHandle, namespace: string, name: string): Promise<string> {
  const mcs = (await admin(fleet, 'GET', '/api/v1/mcs')) as { clusters: { cluster: string; serviceImports: { metadata: { namespace?: string; name: string }; spec: { ips?: string[]; ports: { port: number }[] } }[] }[] };
  for (const c of mcs.clusters) {
    for (const si of c.serviceImports) {
      if (si.metadata.namespace === namespace && si.metadata.name === name && si.spec.ips?.[0] !== undefined) return `${si.spec.ips[0]}:${String(si.spec.ports[0]?.port ?? 80)}`;
    }
  }
  throw new Error(`no ClusterSetIP for ${namespace}/${name}`);
}

/** The failover status of one policy as the admin API serves it (the fields the scenario reads). */
export interface PolicyStatusView {
  readonly state: string;
  readonly epoch: number;
  readonly owner: Readonly<Record<string, string>>;
  readonly pending: readonly { readonly direction: string; readonly approvals: readonly unknown[] }[];
  readonly blocking: readonly { readonly check: string; readonly observed: unknown; readonly threshold: unknown; readonly cluster: string; readonly message: string }[];
}

/** `GET /api/v1/failover/NS/NAME`. */
export async function failoverStatus(fleet: FleetHandle, policy: string): Promise<PolicyStatusView> {
  return (await admin(fleet, 'GET', `/api/v1/failover/${policy}`)) as PolicyStatusView;
}
