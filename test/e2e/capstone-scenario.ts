/**
 * The capstone story (issue 7) as a reusable scenario, run by the e2e test and
 * by `bench/failover`: steady mixed load through jkt's gateway (reads of cases
 * owned by every region, writes to sgp-owned cases, search, audit writes on
 * the audit-ingest ClusterSetIP from a jkt source address); Singapore goes
 * down; optionally a guardrail blocks the approved failover until the
 * secondaries' replication lag is back under the limit; the failover executes;
 * Singapore comes back and fails back (proposed by one subject, approved by
 * another); the audit export holds the timeline. It measures what the issue
 * asks for and returns the numbers; the caller asserts or prints them.
 * Loopback only, bounded in count and time.
 * @module
 */
import { admin, call, clusterSetIP, failoverStatus, until, type FleetHandle, type PolicyStatusView } from './capstone-client.ts';

export { admin, call, type FleetHandle } from './capstone-client.ts';

/** Scenario knobs. */
export interface ScenarioOptions {
  /** Ticks per second of the steady load (each tick sends 3 reads, 1 sgp-owned write, 1 search, 1 audit write). */
  readonly rate: number;
  /** Steady load before the fault (ms). */
  readonly warmupMs: number;
  /** Upper bound of every wait (ms). */
  readonly timeoutMs: number;
  /** Hold the secondaries' replication back so a guardrail blocks the approved failover, then release it. */
  readonly guardrailBlock?: boolean;
  /** Bring Singapore back and fail back (default true). */
  readonly failback?: boolean;
  readonly log?: (line: string) => void;
}

/** One request of the load and how it ended. */
export interface Sample {
  readonly kind: 'read' | 'write' | 'search' | 'audit';
  readonly at: number;
  readonly status: number;
  readonly key?: string;
  readonly body?: string;
}

/** What the guardrail phase saw. */
export interface GuardrailPhase {
  /** The failing checks while the approved failover waited. */
  readonly blocking: PolicyStatusView['blocking'];
  /** The phase right after the approval (FailoverPending: approved, not executed). */
  readonly stateAfterApproval: string;
  readonly releasedAt: number;
}

/** What the failback phase saw. */
export interface FailbackPhase {
  readonly upAt: number;
  readonly proposedAt: number;
  /** Failback calls refused (409 not_stable) before Singapore had been ready for failback.stableFor. */
  readonly refusedAsUnstable: number;
  /** When the status showed Normal again (ms after the failback approval). */
  readonly normalAfterApprovalMs: number;
  readonly epoch: number;
  readonly owner: Readonly<Record<string, string>>;
  /** ms from the failback approval to the first sgp-owned write that succeeded with the failback epoch. */
  readonly writesOnOwnerMs: number;
  /** Statuses of sgp-owned writes from the failback approval on. */
  readonly writeStatuses: Readonly<Record<string, number>>;
}

/** The scenario's measurements. */
export interface ScenarioResult {
  readonly samples: readonly Sample[];
  readonly faultAt: number;
  readonly approvedAt: number;
  /** When the failover could execute: the approval, or the guardrail release when one blocked it. */
  readonly executableAt: number;
  /** First moment after the fault from which every read succeeded (ms after the fault). */
  readonly readsRecoveredMs: number;
  readonly failedReadsAfterFault: number;
  readonly readsAfterFault: number;
  /** sgp-owned writes between the fault and `executableAt`: 503 owner_unavailable count, and any other outcome. */
  readonly failClosedWrites: number;
  readonly otherWritesBeforeExecution: readonly Sample[];
  /** ms from `executableAt` to the first successful sgp-owned write. */
  readonly writesRecoveredMs: number;
  readonly failoverEpoch: number;
  readonly staleEpochRejections: number;
  readonly auditDuplicates: number;
  readonly proposalSeenMs: number;
  readonly guardrail?: GuardrailPhase;
  readonly failback?: FailbackPhase;
  /** `GET /api/v1/audit/export` at the end (every target). */
  readonly evidence: { readonly chain: { readonly ok: boolean }; readonly timeline: readonly { readonly action: string; readonly actor: string; readonly target: string; readonly phase?: string; readonly epoch?: number }[] };
}

const POLICY = 'cases/case-writes';
const isOk = (s: Sample): boolean => s.status === 200 || s.status === 201;
const isFailClosed = (s: Sample): boolean => s.status === 503 && (s.body ?? '').includes('owner_unavailable');

/** Runs the whole story against a fleet started with the capstone config. */
export async function runCapstoneScenario(fleet: FleetHandle, options: ScenarioOptions): Promise<ScenarioResult> {
  const log = options.log ?? (() => undefined);
  const wait = <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => until(what, options.timeoutMs, check);
  const jkt = fleet.gateways['jkt-prod-1'] ?? 'http://127.1.255.1:8080';
  const cases = { host: 'cases.example.com' };
  let seq = 0;
  const samples: Sample[] = [];
  const write = async (key: string): Promise<Sample> => {
    const r = await call(`${jkt}/cases`, { method: 'POST', ...cases, headers: { 'x-case-id': key, 'idempotency-key': `w-${key}` }, body: JSON.stringify({ id: key, title: 'load' }) });
    return { kind: 'write', at: Date.now(), status: r.status, key, body: r.body.slice(0, 200) };
  };
  const seed = async (key: string): Promise<void> => {
    const s = await write(key);
    if (!isOk(s)) throw new Error(`seeding ${key}: ${String(s.status)} ${s.body ?? ''}`);
  };
  // Seed one case per region, then keep reading them.
  for (const key of ['JKT-1', 'SGP-1', 'TYO-1']) await seed(key);
  // Reads go to the nearest region, which has the other regions' cases once replication (async) caught up.
  for (const key of ['JKT-1', 'SGP-1', 'TYO-1']) {
    await wait(`${key} replicated to jkt-prod-1`, async () => ((await call(`${jkt}/cases/${key}`, { ...cases, headers: { 'x-case-id': key } })).status === 200 ? true : undefined));
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
  const status = (): Promise<PolicyStatusView> => failoverStatus(fleet, POLICY);
  const lag = (cluster: string, lagMs: number, reason: string): Promise<unknown> => admin(fleet, 'POST', '/api/v1/faults/replication-lag', { cluster, lagMs, reason });

  try {
    await new Promise((r) => setTimeout(r, options.warmupMs));
    log('fault: sgp-prod-1 down');
    const faultAt = Date.now();
    await admin(fleet, 'POST', '/api/v1/faults/cluster/sgp-prod-1/down', { reason: 'capstone scenario: region outage' });
    if (options.guardrailBlock === true) {
      // Both secondaries hold their changes back; one fresh change each gives them a growing lag.
      for (const cluster of ['jkt-prod-1', 'tyo-prod-1']) await lag(cluster, 60_000, 'capstone scenario: replication falls behind');
      await seed('JKT-G1');
      await seed('TYO-G1');
    }
    const proposal = await wait('a failover proposal', async () => ((await status()).state === 'FailoverPending' ? Date.now() : undefined));
    log(`proposal after ${String(proposal - faultAt)} ms`);

    let guardrail: GuardrailPhase | undefined;
    let approvedAt: number;
    if (options.guardrailBlock === true) {
      const blocking = await wait('the replication-lag guardrail to block both secondaries', async () => {
        const s = await status();
        const lagging = s.blocking.filter((b) => b.check === 'maxReplicationLagSeconds');
        return lagging.length > 0 ? s.blocking : undefined;
      });
      approvedAt = Date.now();
      await admin(fleet, 'POST', `/api/v1/failover/${POLICY}/approve`, { reason: 'capstone scenario: approve failover' });
      const after = await status();
      log(`approved while blocked: ${after.state}; ${blocking.map((b) => b.message).join('; ')}`);
      // Hold the block a little so writes keep failing closed while it stands.
      await new Promise((r) => setTimeout(r, 1000));
      const releasedAt = Date.now();
      for (const cluster of ['jkt-prod-1', 'tyo-prod-1']) await lag(cluster, 0, 'capstone scenario: replication caught up');
      guardrail = { blocking, stateAfterApproval: after.state, releasedAt };
    } else {
      approvedAt = Date.now();
      await admin(fleet, 'POST', `/api/v1/failover/${POLICY}/approve`, { reason: 'capstone scenario: approve failover' });
    }
    const executableAt = guardrail?.releasedAt ?? approvedAt;
    const failedOver = await wait('FailedOver', async () => {
      const s = await status();
      return s.state === 'FailedOver' ? s : undefined;
    });
    log(`failed over: epoch ${String(failedOver.epoch)}, owner ${JSON.stringify(failedOver.owner)}`);
    const firstWrite = await wait('an sgp-owned write to succeed on the new owner', () => Promise.resolve(samples.find((s) => s.kind === 'write' && s.at > executableAt && isOk(s))?.at));

    let failback: FailbackPhase | undefined;
    if (options.failback !== false) {
      log('fault: sgp-prod-1 up');
      const upAt = Date.now();
      await admin(fleet, 'POST', '/api/v1/faults/cluster/sgp-prod-1/up', { reason: 'capstone scenario: region restored' });
      // Manual failback: an operator proposes once Singapore's case API answers again, a second subject approves.
      await wait('sgp-prod-1 serving again', async () => ((await call(`${fleet.gateways['sgp-prod-1'] ?? 'http://127.2.255.1:8080'}/cases/SGP-1`, { ...cases, headers: { 'x-case-id': 'SGP-1' } })).status === 200 ? true : undefined));
      // Failback is refused (409 not_stable) until Singapore has been regionally ready for failback.stableFor.
      let refusedAsUnstable = 0;
      const proposedAt = await wait('the failback proposal to be accepted', async () => {
        const r = await call(`${fleet.admin}/api/v1/failover/${POLICY}/failback`, { method: 'POST', headers: { authorization: `Bearer ${fleet.token}` }, body: JSON.stringify({ reason: 'capstone scenario: Singapore is back' }), timeoutMs: 10_000 });
        if (r.status === 200) return Date.now();
        if (r.status !== 409 || !r.body.includes('not_stable')) throw new Error(`failback → ${String(r.status)} ${r.body}`);
        refusedAsUnstable += 1;
        // Each refusal is an audit record: try once at once (the guard shows), then after the window.
        await new Promise((res) => setTimeout(res, refusedAsUnstable === 1 ? 9000 : 1000));
        return undefined;
      });
      // The primary's guardrails need a fresh health evaluation of Singapore; approve, then wait for Normal.
      const failbackApprovedAt = Date.now();
      await admin(fleet, 'POST', `/api/v1/failover/${POLICY}/approve`, { reason: 'capstone scenario: approve failback' }, fleet.approverToken ?? fleet.token);
      const normal = await wait('Normal after failback', async () => {
        const s = await status();
        return s.state === 'Normal' && s.epoch > failedOver.epoch ? { s, at: Date.now() } : undefined;
      });
      log(`failed back: epoch ${String(normal.s.epoch)}`);
      const back = await wait('an sgp-owned write to succeed on Singapore again', () => Promise.resolve(samples.find((s) => s.kind === 'write' && s.at > normal.at && isOk(s))?.at));
      await new Promise((r) => setTimeout(r, 500));
      const writeStatuses: Record<string, number> = {};
      for (const s of samples) if (s.kind === 'write' && s.at > failbackApprovedAt) writeStatuses[String(s.status)] = (writeStatuses[String(s.status)] ?? 0) + 1;
      failback = { upAt, proposedAt, refusedAsUnstable, normalAfterApprovalMs: normal.at - failbackApprovedAt, epoch: normal.s.epoch, owner: normal.s.owner, writesOnOwnerMs: back - failbackApprovedAt, writeStatuses };
    } else {
      await new Promise((r) => setTimeout(r, 1000));
    }
    stop = true;
    await load;

    const reads = samples.filter((s) => s.kind === 'read' && s.at > faultAt);
    const failed = reads.filter((s) => s.status !== 200);
    const lastFailed = failed.reduce((m, s) => Math.max(m, s.at), faultAt);
    const writesBefore = samples.filter((s) => s.kind === 'write' && s.key?.startsWith('SGP-') === true && s.at > faultAt && s.at < executableAt);
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
      executableAt,
      readsRecoveredMs: lastFailed - faultAt,
      failedReadsAfterFault: failed.length,
      readsAfterFault: reads.length,
      failClosedWrites: writesBefore.filter(isFailClosed).length,
      otherWritesBeforeExecution: writesBefore.filter((s) => !isFailClosed(s)),
      writesRecoveredMs: firstWrite - executableAt,
      failoverEpoch: failedOver.epoch,
      staleEpochRejections: samples.filter((s) => s.kind === 'write' && s.at > approvedAt && s.status === 409 && (s.body ?? '').includes('stale_epoch')).length,
      auditDuplicates: duplicates,
      proposalSeenMs: proposal - faultAt,
      ...(guardrail === undefined ? {} : { guardrail }),
      ...(failback === undefined ? {} : { failback }),
      evidence: (await admin(fleet, 'GET', '/api/v1/audit/export')) as ScenarioResult['evidence'],
    };
  } finally {
    stop = true;
    await load;
  }
}
