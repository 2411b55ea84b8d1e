/**
 * The replication protocol of `case-api`: the message a replica sends to its
 * peers (`POST /_replicate`) and answers for bootstrap (`GET /_snapshot`), and
 * how a received message is applied. Applying is idempotent by case id and
 * version: a record only replaces one it supersedes, so duplicates, reordering
 * and retries are harmless.
 * @module
 */
import { z } from 'zod';
import { CaseRecord } from './case-model.ts';
import { EpochMark, IdempotencyEntry, type CaseStore } from './case-store.ts';

/** One replicated change: a case record or a remembered idempotent answer. */
export const CaseChange = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('case'), record: CaseRecord }),
  z.object({ kind: z.literal('idempotency'), entry: IdempotencyEntry }),
]);
/** One replicated change. */
export type CaseChange = z.infer<typeof CaseChange>;

/** Body of `POST /_replicate` and of the `GET /_snapshot` answer. */
export const ReplicationMessage = z.object({
  source: z.object({ cluster: z.string(), replica: z.number().int() }),
  /** The sender's newest epoch per fencing domain: fencing knowledge travels with the data. */
  epochs: z.record(z.string(), EpochMark),
  changes: z.array(CaseChange),
});
/** Body of `POST /_replicate` and of the `GET /_snapshot` answer. */
export type ReplicationMessage = z.infer<typeof ReplicationMessage>;

/** Coalescing key of a change (the newest change of a key replaces older queued ones). */
export function changeKey(change: CaseChange): string {
  return change.kind === 'case' ? `case:${change.record.id}` : `idem:${change.entry.key}`;
}

/** Builds a message carrying `changes` and the sender's epochs. */
export function replicationMessage(store: CaseStore, source: { cluster: string; replica: number }, changes: readonly CaseChange[]): ReplicationMessage {
  return { source, epochs: store.epochs(), changes: [...changes] };
}

/** The whole state of a replica as one message (for a peer that starts empty). */
export function snapshotMessage(store: CaseStore, source: { cluster: string; replica: number }): ReplicationMessage {
  return replicationMessage(store, source, [
    ...store.list().map((record): CaseChange => ({ kind: 'case', record })),
    ...store.idempotencyEntries().map((entry): CaseChange => ({ kind: 'idempotency', entry })),
  ]);
}

/** Applies a message; returns the changes that were new here (to be forwarded to same-cluster peers). */
export function applyReplication(store: CaseStore, message: ReplicationMessage): CaseChange[] {
  for (const [domain, mark] of Object.entries(message.epochs)) store.noteEpoch(domain, mark);
  const applied: CaseChange[] = [];
  for (const change of message.changes) {
    if (change.kind === 'case') {
      store.noteEpoch(change.record.domain, { epoch: change.record.epoch });
      if (store.applyReplicated(change.record)) applied.push(change);
    } else if (store.remember(change.entry)) {
      applied.push(change);
    }
  }
  return applied;
}
