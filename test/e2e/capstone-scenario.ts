/**
 * The capstone story (issue 7) as a reusable scenario, run by the e2e test and
 * by `bench/failover`: steady mixed load through jkt's gateway (reads of cases
 * owned by every region, writes to sgp-owned cases, search, audit writes on
 * the audit-ingest ClusterSetIP from a jkt source address), then Singapore
 * goes down, the failover is approved, Singapore comes back and fails back.
 * It measures what the issue asks for and returns the numbers; the caller
 * asserts or prints them. Loopback only, bounded in count and time.
 * @module
 */
import http from 'node:http';

/** What the running fleet exposes (from `.lintas/up.json`). */
export interface FleetHandle {
  readonly admin: string;
  readonly token: string;
  readonly gateways: Readonly<Record<string, string>>;
}

/** Scenario knobs. */
export interface ScenarioOptions {
  /** Requests per second of the steady load (each tick sends one of each kind). */
  readonly rate: number;
  /** Steady load before the fault (ms). */
  readonly warmupMs: number;
  /** Upper bound of every wait (ms). */
  readonly timeoutMs: number;
  readonly log?: (line: string) => void;
}

/** One request of the load and how it ended. */
export interface Sample {
  readonly kind: 'read' | 'write' | 'search' | 'audit';
  readonly at: number;
  readonly status: number;
  readonly key?: string;
  readonly owner?: string;
  readonly body?: string;
}

/** The scenario's measurements. */
export interface ScenarioResult {
  readonly samples: readonly Sample[];
  readonly faultAt: number;
  readonly approvedAt: number;
  /** First moment after the fault from which every read succeeded (ms after the fault). */
  readonly readsRecoveredMs: number;
  readonly failedReadsAfterFault: number;
  readonly readsAfterFault: number;
  /** sgp-owned writes between the fault and the approval: 503 owner_unavailable count, and any other status. */
  readonly failClosedWrites: number;
  readonly otherWritesBeforeApproval: readonly Sample[];
  /** ms from the approval to the first successful sgp-owned write. */
  readonly writesRecoveredMs: number;
  readonly staleEpochRejections: number;
  readonly auditDuplicates: number;
  readonly proposalSeenMs: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request; never throws (status 0 on a transport error). */
export function call(url: string, init: { method?: string; host?: string; headers?: Record<string, string>; body?: string; localAddress?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
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

/** Calls the admin API with the fleet's token; throws with the server's answer on a non-2xx status. */
export async function admin(fleet: FleetHandle, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<unknown> {
  const r = await call(`${fleet.admin}${path}`, { method, headers: { authorization: `Bearer ${fleet.token}` }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), timeoutMs: 10_000 });
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path} → ${String(r.status)} ${r.body}`);
  return r.body === '' ? undefined : (JSON.parse(r.body) as unknown);
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The ClusterSetIP:port of a ServiceImport, from the admin's MCS view. */
async function clusterSetIP(fleet: FleetHandle, namespace: string, name: string): Promise<string> {
  const mcs = (await admin(fleet, 'GET', '/api/v1/mcs')) as { clusters: { cluster: string; serviceImports: { metadata: { namespace?: string; name: string }; spec: { ips?: string[]; ports: { port: number }[] } }[] }[] };
  for (const c of mcs.clusters) {
    for (const si of c.serviceImports) {
      if (si.metadata.namespace === namespace && si.metadata.name === name && si.spec.ips?.[0] !== undefined) return `${si.spec.ips[0]}:${String(si.spec.ports[0]?.port ?? 80)}`;
    }
  }
  throw new Error(`no ClusterSetIP for ${namespace}/${name}`);
}

/** Runs the whole story against a fleet started with the capstone config. */
export async function runCapstoneScenario(fleet: FleetHandle, options: ScenarioOptions): Promise<ScenarioResult> {
  const log = options.log ?? (() => undefined);
  const jkt = fleet.gateways['jkt-prod-1'] ?? 'http://127.1.255.1:8080';
  const cases = { host: 'cases.example.com' };
  let seq = 0;
  const samples: Sample[] = [];
  const write = async (key: string): Promise<Sample> => {
    const r = await call(`${jkt}/cases`, { method: 'POST', ...cases, headers: { 'x-case-id': key, 'idempotency-key': `w-${key}` }, body: JSON.stringify({ id: key, title: 'load' }) });
    return { kind: 'write', at: Date.now(), status: r.status, key, body: r.body.slice(0, 200) };
  };
  // Seed one case per region, then keep reading them.
  for (const key of ['JKT-1', 'SGP-1', 'TYO-1']) {
    const s = await write(key);
    if (s.status !== 201 && s.status !== 200) throw new Error(`seeding ${key}: ${String(s.status)} ${s.body ?? ''}`);
  }
  // Reads go to the nearest region, which has the other regions' cases once replication (async) caught up.
  for (const key of ['JKT-1', 'SGP-1', 'TYO-1']) {
    await until(`${key} replicated to jkt-prod-1`, options.timeoutMs, async () => ((await call(`${jkt}/cases/${key}`, { ...cases, headers: { 'x-case-id': key } })).status === 200 ? true : undefined));
  }
  const audit = await clusterSetIP(fleet, 'audit', 'audit-ingest-api');
  let stop = false;
  const tick = async (): Promise<void> => {
    const n = (seq += 1);
    const tasks: Promise<Sample>[] = [
      ...['JKT-1', 'SGP-1', 'TYO-1'].map(async (key) => {
        const r = await call(`${jkt}/cases/${key}`, { ...cases, headers: { 'x-case-id': key } });
        return { kind: 'read' as const, at: Date.now(), status: r.status, key };
      }),
      write(`SGP-L${String(n)}`),
      call(`${jkt}/search?q=fraud`, { host: 'search.example.com' }).then((r) => ({ kind: 'search' as const, at: Date.now(), status: r.status })),
      call(`http://${audit}/events`, { method: 'POST', localAddress: '127.1.200.1', headers: { 'idempotency-key': `audit-${String(n)}` }, body: JSON.stringify({ n }) }).then((r) => ({ kind: 'audit' as const, at: Date.now(), status: r.status })),
    ];
    samples.push(...(await Promise.all(tasks)));
  };
  const load = (async () => {
    const period = 1000 / options.rate;
    const inflight = new Set<Promise<void>>();
    while (!stop) {
      const p = tick().finally(() => inflight.delete(p));
      inflight.add(p);
      await new Promise((r) => setTimeout(r, period));
    }
    await Promise.all(inflight);
  })();

  await new Promise((r) => setTimeout(r, options.warmupMs));
  log('fault: sgp-prod-1 down');
  const faultAt = Date.now();
  await admin(fleet, 'POST', '/api/v1/faults/cluster/sgp-prod-1/down', { reason: 'capstone scenario: region outage' });
  const proposal = await until('a failover proposal', options.timeoutMs, async () => {
    const s = (await admin(fleet, 'GET', '/api/v1/failover/cases/case-writes')) as { machines?: { phase?: string }[]; phase?: string } | undefined;
    const text = JSON.stringify(s ?? {});
    return text.includes('FailoverPending') ? Date.now() : undefined;
  });
  log(`proposal after ${String(proposal - faultAt)} ms`);
  const approvedAt = Date.now();
  await admin(fleet, 'POST', '/api/v1/failover/cases/case-writes/approve', { reason: 'capstone scenario: approve failover' });
  const firstWrite = await until('an sgp-owned write to succeed after approval', options.timeoutMs, async () => {
    const ok = samples.find((s) => s.kind === 'write' && s.at > approvedAt && (s.status === 201 || s.status === 200));
    return ok?.at;
  });
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await load;

  const reads = samples.filter((s) => s.kind === 'read' && s.at > faultAt);
  const failed = reads.filter((s) => s.status !== 200);
  const lastFailed = failed.reduce((m, s) => Math.max(m, s.at), faultAt);
  const writesBefore = samples.filter((s) => s.kind === 'write' && s.at > faultAt && s.at < approvedAt);
  const stats = (await call(`http://${audit}/stats`, { localAddress: '127.1.200.2' })).body;
  let duplicates: number;
  try {
    duplicates = (JSON.parse(stats) as { duplicates?: number }).duplicates ?? -1;
  } catch {
    duplicates = -1;
  }
  return {
    samples,
    faultAt,
    approvedAt,
    readsRecoveredMs: lastFailed - faultAt,
    failedReadsAfterFault: failed.length,
    readsAfterFault: reads.length,
    failClosedWrites: writesBefore.filter((s) => s.status === 503 && (s.body ?? '').includes('owner_unavailable')).length,
    otherWritesBeforeApproval: writesBefore.filter((s) => !(s.status === 503 && (s.body ?? '').includes('owner_unavailable'))),
    writesRecoveredMs: firstWrite - approvedAt,
    staleEpochRejections: samples.filter((s) => s.kind === 'write' && s.at > approvedAt && s.status === 409 && (s.body ?? '').includes('stale_epoch')).length,
    auditDuplicates: duplicates,
    proposalSeenMs: proposal - faultAt,
  };
}
