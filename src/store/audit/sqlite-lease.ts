/**
 * Leases and fencing on SQLite, with the same contract as PostgreSQL so the elector and the fenced
 * writes have one code path. The lease lives in the database file (table `lintas_leases`), so it
 * also holds between processes sharing one data directory. SQLite has no server clock: times are
 * SQLite's `'now'`, which is the host's clock, the same for every process on the host (and never
 * the store's injected `clock`, which only stamps audit drafts). Every call runs inside the store's
 * write transaction (BEGIN IMMEDIATE), which serializes it with every write, fenced or not.
 * @module
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreError } from './errors.ts';
import { enforceFence, type Fence, type Lease, type LeaseResult } from './lease.ts';

/** The table, created with the rest of the schema (times in ms since the epoch). */
export const SQLITE_LEASE_SCHEMA = `
CREATE TABLE IF NOT EXISTS lintas_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  token INTEGER NOT NULL CHECK (token > 0),
  renewed_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
`;

interface LeaseRow {
  readonly name: string;
  readonly holder: string;
  readonly token: number;
  readonly renewed_at: number;
  readonly expires_at: number;
}

/** The lease statements of one SQLite connection. */
export class SqliteLeases {
  readonly #now: StatementSync;
  readonly #read: StatementSync;
  readonly #upsert: StatementSync;
  readonly #expireAt: StatementSync;

  /** Prepares the statements on `db` (whose schema already has the table). */
  constructor(db: DatabaseSync) {
    this.#now = db.prepare(`SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS now`);
    this.#read = db.prepare('SELECT name, holder, token, renewed_at, expires_at FROM lintas_leases WHERE name = ?');
    this.#upsert = db.prepare(
      'INSERT INTO lintas_leases (name, holder, token, renewed_at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at',
    );
    this.#expireAt = db.prepare('UPDATE lintas_leases SET expires_at = ? WHERE name = ?');
  }

  /** In a write transaction: takes the lease if absent, expired or released, with token + 1. */
  acquire(name: string, holder: string, ttlMs: number): LeaseResult {
    const now = this.#clock();
    const row = this.#row(name);
    if (row !== undefined && row.expires_at > now) return { ok: false, current: decodeLease(row, now) };
    const next: LeaseRow = { name, holder, token: (row?.token ?? 0) + 1, renewed_at: now, expires_at: now + ttlMs };
    this.#upsert.run(next.name, next.holder, next.token, next.renewed_at, next.expires_at);
    return { ok: true, lease: decodeLease(next, now) };
  }

  /** In a write transaction: extends the live lease of `holder` at `token`. */
  renew(name: string, holder: string, token: number, ttlMs: number): LeaseResult {
    const now = this.#clock();
    const row = this.#row(name);
    if (row === undefined || !isLiveHold(row, holder, token, now)) return { ok: false, current: row === undefined ? undefined : decodeLease(row, now) };
    const next: LeaseRow = { ...row, renewed_at: now, expires_at: now + ttlMs };
    this.#upsert.run(next.name, next.holder, next.token, next.renewed_at, next.expires_at);
    return { ok: true, lease: decodeLease(next, now) };
  }

  /** In a write transaction: expires the live lease of `holder` at `token` now. */
  release(name: string, holder: string, token: number): boolean {
    const now = this.#clock();
    const row = this.#row(name);
    if (row === undefined || !isLiveHold(row, holder, token, now)) return false;
    this.#expireAt.run(now, name);
    return true;
  }

  /** The stored lease, if any. */
  read(name: string): Lease | undefined {
    const row = this.#row(name);
    return row === undefined ? undefined : decodeLease(row, this.#clock());
  }

  /** In a write transaction: throws STORE_FENCED unless the fence's token is current (the transaction's lock keeps it so until the commit). */
  check(fence: Fence | undefined): void {
    if (fence === undefined) return;
    enforceFence(fence, this.#row(fence.lease)?.token);
  }

  #row(name: string): LeaseRow | undefined {
    return this.#read.get(name) as LeaseRow | undefined;
  }

  #clock(): number {
    const now = (this.#now.get() as { now: number } | undefined)?.now;
    if (typeof now !== 'number') throw new StoreError('STORE_READ_FAILED', 'SQLite did not report the time');
    return now;
  }
}

function isLiveHold(row: LeaseRow, holder: string, token: number, now: number): boolean {
  return row.holder === holder && row.token === token && row.expires_at > now;
}

function decodeLease(row: LeaseRow, now: number): Lease {
  return {
    name: row.name,
    holder: row.holder,
    token: row.token,
    renewedAt: new Date(row.renewed_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
    held: row.expires_at > now,
  };
}
