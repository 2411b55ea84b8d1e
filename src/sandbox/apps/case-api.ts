/**
 * `case-api`: the regulated case store of the capstone (seed 000 §28, seed 001
 * §15). Each replica keeps its cases in memory, replicates every mutation
 * synchronously to its same-cluster peers and asynchronously, after the
 * replication lag, to other clusters; it honours `Idempotency-Key` and fences
 * writes: one whose `X-Lintas-Owner-Epoch` is older than the newest seen in
 * its domain is refused (409 `stale_epoch`), so a fencing failure shows up as
 * an error instead of a silent split brain.
 * @module
 */
import { CASE_ID, DEFAULT_DOMAIN, isCaseState, type CaseRecord } from './case-model.ts';
import { applyReplication, changeKey, ReplicationMessage, replicationMessage, snapshotMessage, type CaseChange } from './case-replication.ts';
import { createCaseStore, type CaseStore, type EpochMark } from './case-store.ts';
import { DEPENDENCY_DOWN_REPLY, headerValue, jsonReply, startAppHost, type AppHost, type AppReply, type AppRequest } from './http-host.ts';
import { createPeerClient, type PeerClient } from './peer-client.ts';
import { createReplicator, replicaTargets, type PeerLag, type Replicator } from './replicator.ts';
import type { AppOptions, BaseStats, RunningApp } from './types.ts';

/** Default delay before a change is sent to other clusters (ms). */
export const DEFAULT_REPLICATION_LAG_MS = 100;

/** Counters of `case-api` (`GET /stats`). */
export interface CaseApiStats {
  /** Cases held by this replica. */
  readonly cases: number;
  /** Mutations applied here (creates and transitions). */
  readonly writes: number;
  /** Mutations answered from the idempotency record instead of being applied again. */
  readonly replays: number;
  /** Mutations refused because their owner epoch was older than the newest seen. */
  readonly staleEpochRejected: number;
  /** Changes received from peers that were new here. */
  readonly replicatedIn: number;
  /** Changes acknowledged by peers (one per change per peer). */
  readonly replicatedOut: number;
  /** Highest owner epoch seen in any domain. */
  readonly maxEpoch: number;
  /** Newest epoch (and its owner) per fencing domain. */
  readonly epochs: Readonly<Record<string, EpochMark>>;
  /** What `GET /replication-lag` answers, in seconds. */
  readonly replicationLagSeconds: number;
  /** Lag per other-cluster peer. */
  readonly replicationPeers: readonly PeerLag[];
  /** Peers whose snapshot this replica loaded at start. */
  readonly bootstrappedFrom: number;
}

/** Options of {@link startCaseApi}. */
export interface CaseApiOptions extends AppOptions {
  /** Load the peers' state before listening, so a restarted replica is not empty (default true). */
  readonly bootstrap?: boolean;
}

const INTERNAL = new Set(['/_replicate', '/_snapshot', '/replication-lag']);

/** Parses the epoch header; undefined when absent, NaN when malformed. */
function parseEpoch(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return /^[0-9]{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
}

function parseBody(body: string): Record<string, unknown> | undefined {
  if (body.trim() === '') return {};
  try {
    const value = JSON.parse(body) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

interface Counters {
  writes: number;
  replays: number;
  staleEpochRejected: number;
  replicatedIn: number;
  bootstrappedFrom: number;
}

/** Starts a `case-api` replica. */
export async function startCaseApi(options: CaseApiOptions): Promise<RunningApp<BaseStats & CaseApiStats>> {
  const clock = options.clock ?? Date.now;
  const baseLag = options.replicationLagMs ?? DEFAULT_REPLICATION_LAG_MS;
  const client = createPeerClient({ ...(options.host === undefined ? {} : { localAddress: options.host }), ...(options.peerTimeoutMs === undefined ? {} : { timeoutMs: options.peerTimeoutMs }) });
  const counters: Counters = { writes: 0, replays: 0, staleEpochRejected: 0, replicatedIn: 0, bootstrappedFrom: 0 };
  // Set once the replicator exists (inside the host), so a fault can reschedule held-back changes.
  let relag = (): void => undefined;

  const running = await startAppHost(options, async (host) => {
    const store = createCaseStore(host.identity.cluster);
    const source = { cluster: host.identity.cluster, replica: host.identity.replica };
    const targets = replicaTargets(host.identity.cluster, options.peers);
    const replicator = createReplicator<CaseChange>({
      targets,
      client,
      path: '/_replicate',
      keyOf: changeKey,
      envelope: (changes) => replicationMessage(store, source, changes),
      lagMs: () => host.fault().replicationLagMs ?? baseLag,
      clock,
      logger: host.logger,
    });
    if (options.bootstrap !== false) counters.bootstrappedFrom = await bootstrap(host, store, targets.map((t) => t.url), client);
    relag = () => replicator.relag();
    return {
      app: 'case-api' as const,
      isInternal: (path: string) => INTERNAL.has(path),
      handle: (req: AppRequest) => route(req, host, store, replicator, counters, clock),
      stats: () => ({
        cases: store.size(),
        writes: counters.writes,
        replays: counters.replays,
        staleEpochRejected: counters.staleEpochRejected,
        replicatedIn: counters.replicatedIn,
        replicatedOut: replicator.acknowledged(),
        maxEpoch: Math.max(0, ...Object.values(store.epochs()).map((m) => m.epoch)),
        epochs: store.epochs(),
        replicationLagSeconds: replicator.lagSeconds(),
        replicationPeers: replicator.lagByPeer(),
        bootstrappedFrom: counters.bootstrappedFrom,
      }),
      close: async () => {
        replicator.close();
        await client.close();
      },
    };
  }).catch(async (error: unknown) => {
    await client.close();
    throw error;
  });

  return {
    ...running,
    applyFault: (fault) => {
      running.applyFault(fault);
      // Changes already held back by a long lag go out on the new schedule.
      relag();
    },
  };
}

/** Loads every reachable peer's snapshot; returns how many answered. */
async function bootstrap(host: AppHost, store: CaseStore, urls: readonly string[], client: PeerClient): Promise<number> {
  const results = await Promise.all(
    urls.map(async (url) => {
      try {
        const message = ReplicationMessage.parse(await client.getJson(url, '/_snapshot'));
        applyReplication(store, message);
        return true;
      } catch (error) {
        host.logger.debug('no snapshot from peer', { peer: url, error: (error as Error).message });
        return false;
      }
    }),
  );
  const loaded = results.filter(Boolean).length;
  if (loaded > 0) host.logger.info('loaded state from peers', { peers: loaded, cases: store.size() });
  return loaded;
}

function caseReply(status: number, record: CaseRecord, host: AppHost): AppReply {
  return jsonReply(status, { ...record, servedBy: { cluster: host.identity.cluster, replica: host.identity.replica } });
}

/** Answers one request (undefined: not a case-api route, the host answers 404). */
async function route(req: AppRequest, host: AppHost, store: CaseStore, replicator: Replicator<CaseChange>, counters: Counters, clock: () => number): Promise<AppReply | undefined> {
  const { path, method } = req;
  if (path === '/replication-lag' && (method === 'GET' || method === 'HEAD')) {
    const exclude = new Set((req.query.get('exclude') ?? '').split(',').filter((c) => c !== ''));
    return { status: 200, text: `${String(Math.round(replicator.lagSeconds(exclude) * 1000) / 1000)}\n` };
  }
  if (path === '/_replicate' && method === 'POST') return receive(req, host, store, replicator, counters);
  if (path === '/_snapshot' && method === 'GET') return jsonReply(200, snapshotMessage(store, { cluster: host.identity.cluster, replica: host.identity.replica }));
  if (path !== '/cases' && !path.startsWith('/cases/')) return undefined;

  if (host.fault().dependencyDown === true) return DEPENDENCY_DOWN_REPLY;
  const id = path === '/cases' ? undefined : decodeURIComponent(path.slice('/cases/'.length));
  if (id === undefined) {
    if (method === 'GET' || method === 'HEAD') {
      const cases = store.list().filter((c) => req.query.get('state') === null || c.state === req.query.get('state'));
      return jsonReply(200, { count: cases.length, cases, servedBy: { cluster: host.identity.cluster, replica: host.identity.replica } });
    }
    if (method === 'POST') return mutate(req, host, store, replicator, counters, clock, undefined);
    return jsonReply(405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD, POST' });
  }
  if (!CASE_ID.test(id)) return jsonReply(400, { error: 'invalid_id', id });
  if (method === 'GET' || method === 'HEAD') {
    const record = store.get(id);
    return record === undefined ? jsonReply(404, { error: 'not_found', id }) : caseReply(200, record, host);
  }
  if (method === 'PATCH') return mutate(req, host, store, replicator, counters, clock, id);
  return jsonReply(405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD, PATCH' });
}

/** A create (`id` undefined) or a transition, with idempotency, fencing and replication. */
async function mutate(req: AppRequest, host: AppHost, store: CaseStore, replicator: Replicator<CaseChange>, counters: Counters, clock: () => number, id: string | undefined): Promise<AppReply> {
  const key = headerValue(req.headers, 'idempotency-key');
  const fingerprint = `${req.method} ${req.path}`;
  if (key !== undefined) {
    const seen = store.idempotency(key);
    if (seen !== undefined) {
      if (seen.fingerprint !== fingerprint) return jsonReply(422, { error: 'idempotency_key_reused', key, firstUsedFor: seen.fingerprint });
      counters.replays++;
      return { status: seen.status, json: seen.json, headers: { 'idempotent-replayed': 'true' } };
    }
  }

  const epochHeader = parseEpoch(headerValue(req.headers, 'x-lintas-owner-epoch'));
  if (Number.isNaN(epochHeader)) return jsonReply(400, { error: 'invalid_epoch' });
  const domain = headerValue(req.headers, 'x-lintas-owner-domain') ?? DEFAULT_DOMAIN;
  const owner = headerValue(req.headers, 'x-lintas-owner');
  const newest = store.newestEpoch(domain);
  if (epochHeader !== undefined && epochHeader < newest) {
    counters.staleEpochRejected++;
    host.logger.warn('write refused: stale owner epoch', { domain, epoch: epochHeader, newest, owner });
    return jsonReply(409, { error: 'stale_epoch', epoch: epochHeader, newest });
  }
  if (epochHeader !== undefined) store.noteEpoch(domain, owner === undefined ? { epoch: epochHeader } : { epoch: epochHeader, owner });

  const body = parseBody(req.body);
  if (body === undefined) return jsonReply(400, { error: 'invalid_json' });
  const ctx = {
    cluster: host.identity.cluster,
    replica: host.identity.replica,
    domain,
    // A write without an epoch (not through a gateway) is not fenced; it keeps the domain's epoch so it still orders after older writes.
    epoch: epochHeader ?? newest,
    ...(owner === undefined ? {} : { owner }),
    now: new Date(clock()).toISOString(),
  };

  let outcome;
  if (id === undefined) {
    const { id: bodyId, title, ...data } = body;
    const caseId = headerValue(req.headers, 'x-case-id') ?? bodyId;
    if (caseId !== undefined && (typeof caseId !== 'string' || !CASE_ID.test(caseId))) return jsonReply(400, { error: 'invalid_id' });
    if (typeof title !== 'string' || title === '') return jsonReply(400, { error: 'invalid_case', field: 'title' });
    outcome = store.create(caseId, title, data, ctx);
  } else {
    if (!isCaseState(body.state)) return jsonReply(400, { error: 'invalid_state', state: body.state ?? null });
    outcome = store.transition(id, body.state, ctx);
  }

  const reply = outcome.ok ? caseReply(outcome.status, outcome.record, host) : jsonReply(outcome.status, outcome.json);
  const changes: CaseChange[] = [];
  if (outcome.ok) {
    counters.writes++;
    changes.push({ kind: 'case', record: outcome.record });
  }
  if (key !== undefined) {
    // Remembered before replication is awaited: a concurrent retry with the same key must already see it.
    const entry = { key, fingerprint, status: reply.status, json: reply.json };
    store.remember(entry);
    changes.push({ kind: 'idempotency', entry });
  }
  await replicator.publish(changes);
  return reply;
}

/** `POST /_replicate`: applies a peer's changes and passes news from other clusters on to this cluster's replicas. */
async function receive(req: AppRequest, host: AppHost, store: CaseStore, replicator: Replicator<CaseChange>, counters: Counters): Promise<AppReply> {
  let message: ReplicationMessage;
  try {
    message = ReplicationMessage.parse(JSON.parse(req.body));
  } catch (_error) {
    return jsonReply(400, { error: 'invalid_replication_message' });
  }
  const applied = applyReplication(store, message);
  counters.replicatedIn += applied.length;
  if (message.source.cluster !== host.identity.cluster && applied.length > 0) await replicator.publish(applied, 'sameCluster');
  return jsonReply(200, { applied: applied.length, ignored: message.changes.length - applied.length });
}
