/**
 * `audit-ingest`: the internal, write-only audit sink of the capstone. Every
 * event needs an `Idempotency-Key`; a key seen before is counted as a
 * duplicate and not stored again. That count must stay 0 when the gateway
 * never replays writes, which is what the capstone checks. Replicas of one
 * cluster share the keys they have seen synchronously, so dedup holds across
 * them (two replicas receiving the same new key at the same instant can both
 * accept it).
 * @module
 */
import { z } from 'zod';
import { DEPENDENCY_DOWN_REPLY, headerValue, jsonReply, startAppHost, type AppHost, type AppReply, type AppRequest } from './http-host.ts';
import { createPeerClient, type PeerClient } from './peer-client.ts';
import { createReplicator, replicaTargets } from './replicator.ts';
import type { AppOptions, BaseStats, RunningApp } from './types.ts';

/** Body of `POST /_replicate` and of the `GET /_snapshot` answer: keys seen by the sender. */
export const SeenKeysMessage = z.object({
  source: z.object({ cluster: z.string(), replica: z.number().int() }),
  keys: z.array(z.string()),
});

/** Counters of `audit-ingest` (`GET /stats`). */
export interface AuditIngestStats {
  /** Events received with a key (duplicates included). */
  readonly received: number;
  /** Events whose key was new in this cluster. */
  readonly unique: number;
  /** Events whose key had already been seen: must stay 0. */
  readonly duplicates: number;
  /** Events refused with 400 for lacking an `Idempotency-Key`. */
  readonly missingKey: number;
  /** Keys known here (own and shared by peers). */
  readonly keys: number;
}

/** Options of {@link startAuditIngest}. */
export interface AuditIngestOptions extends AppOptions {
  /** Load the same-cluster peers' keys before listening (default true). */
  readonly bootstrap?: boolean;
}

/** Starts an `audit-ingest` replica. */
export async function startAuditIngest(options: AuditIngestOptions): Promise<RunningApp<BaseStats & AuditIngestStats>> {
  const clock = options.clock ?? Date.now;
  const client = createPeerClient({ ...(options.host === undefined ? {} : { localAddress: options.host }), ...(options.peerTimeoutMs === undefined ? {} : { timeoutMs: options.peerTimeoutMs }) });
  const seen = new Set<string>();
  const c = { received: 0, unique: 0, duplicates: 0, missingKey: 0 };

  return startAppHost(options, async (host) => {
    const source = { cluster: host.identity.cluster, replica: host.identity.replica };
    // Dedup is per cluster: keys go to same-cluster replicas only.
    const targets = replicaTargets(host.identity.cluster, { sameCluster: options.peers?.sameCluster ?? [], otherClusters: [] });
    const replicator = createReplicator<string>({
      targets,
      client,
      path: '/_replicate',
      keyOf: (key) => key,
      envelope: (keys) => ({ source, keys }),
      lagMs: () => 0,
      clock,
      logger: host.logger,
    });
    if (options.bootstrap !== false) await bootstrap(host, client, targets.map((t) => t.url), seen);

    const ingest = async (req: AppRequest): Promise<AppReply> => {
      if (host.fault().dependencyDown === true) return DEPENDENCY_DOWN_REPLY;
      const key = headerValue(req.headers, 'idempotency-key');
      if (key === undefined || key === '') {
        c.missingKey++;
        return jsonReply(400, { error: 'idempotency_key_required' });
      }
      c.received++;
      const servedBy = { cluster: source.cluster, replica: source.replica };
      if (seen.has(key)) {
        c.duplicates++;
        host.logger.warn('duplicate audit event', { key });
        return jsonReply(200, { key, duplicate: true, servedBy });
      }
      seen.add(key);
      c.unique++;
      await replicator.publish([key]);
      return jsonReply(202, { key, accepted: true, servedBy });
    };

    return {
      app: 'audit-ingest' as const,
      isInternal: (path: string) => path === '/_replicate' || path === '/_snapshot',
      stats: () => ({ ...c, keys: seen.size }),
      handle: async (req: AppRequest): Promise<AppReply | undefined> => {
        if (req.path === '/events') {
          return req.method === 'POST' ? ingest(req) : jsonReply(405, { error: 'write_only' }, { allow: 'POST' });
        }
        if (req.path === '/_replicate' && req.method === 'POST') {
          const parsed = SeenKeysMessage.safeParse(safeJson(req.body));
          if (!parsed.success) return jsonReply(400, { error: 'invalid_replication_message' });
          for (const key of parsed.data.keys) seen.add(key);
          return jsonReply(200, { applied: parsed.data.keys.length });
        }
        if (req.path === '/_snapshot' && req.method === 'GET') return jsonReply(200, { source, keys: [...seen] });
        return undefined;
      },
      close: async () => {
        replicator.close();
        await client.close();
      },
    };
  }).catch(async (error: unknown) => {
    await client.close();
    throw error;
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Loads the keys same-cluster peers have seen, so a restarted replica still deduplicates. */
async function bootstrap(host: AppHost, client: PeerClient, urls: readonly string[], seen: Set<string>): Promise<void> {
  await Promise.all(
    urls.map(async (url) => {
      try {
        const message = SeenKeysMessage.parse(await client.getJson(url, '/_snapshot'));
        for (const key of message.keys) seen.add(key);
      } catch (error) {
        host.logger.debug('no snapshot from peer', { peer: url, error: (error as Error).message });
      }
    }),
  );
}
