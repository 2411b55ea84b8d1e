/**
 * Leases and fencing on PostgreSQL: the `lintas_leases` table and single-statement compare-and-sets
 * on it. Every time is the server's `clock_timestamp()`, so replicas agree on expiry whatever their
 * own clocks say. A fenced write reads the lease row `FOR SHARE` inside its own transaction: an
 * acquire (an UPDATE of that row) waits until the write commits, so the token cannot move between
 * the check and the commit.
 * @module
 */
import type pg from 'pg';
import { StoreError } from './errors.ts';
import { enforceFence, type Fence, type Lease, type LeaseResult } from './lease.ts';

/** The table, created with the rest of the schema. */
export const POSTGRES_LEASE_SCHEMA = `
CREATE TABLE IF NOT EXISTS lintas_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  token bigint NOT NULL CHECK (token > 0),
  renewed_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
`;

interface LeaseRow {
  readonly name: string;
  readonly holder: string;
  readonly token: string;
  readonly renewed_at: Date;
  readonly expires_at: Date;
  readonly held: boolean;
}

/** The columns every lease statement returns, with liveness judged by the server's clock. */
const RETURNING = 'name, holder, token, renewed_at, expires_at, expires_at > clock_timestamp() AS held';

/** `now + ttlMs` on the server, for a ttl given as parameter `p` (in ms). */
const expiry = (p: string): string => `clock_timestamp() + make_interval(secs => ${p}::double precision / 1000)`;

function decodeLease(row: LeaseRow): Lease {
  const token = Number(row.token);
  if (!Number.isSafeInteger(token)) throw new StoreError('STORE_CORRUPT', `lease ${JSON.stringify(row.name)}: token is not an integer`);
  return { name: row.name, holder: row.holder, token, renewedAt: row.renewed_at.toISOString(), expiresAt: row.expires_at.toISOString(), held: row.held };
}

/** Acquires inside an open write transaction: inserts the first lease, or takes over an expired or released one with token + 1. */
export async function acquirePostgresLease(client: pg.PoolClient, name: string, holder: string, ttlMs: number): Promise<LeaseResult> {
  // ON CONFLICT … WHERE locks the existing row and re-checks expiry against its newest version, so of
  // two replicas racing for an expired lease exactly one updates it.
  const result = await client.query<LeaseRow>(
    `INSERT INTO lintas_leases (name, holder, token, renewed_at, expires_at) VALUES ($1, $2, 1, clock_timestamp(), ${expiry('$3')})
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = lintas_leases.token + 1, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at
     WHERE lintas_leases.expires_at <= clock_timestamp()
     RETURNING ${RETURNING}`,
    [name, holder, ttlMs],
  );
  const row = result.rows[0];
  if (row !== undefined) return { ok: true, lease: decodeLease(row) };
  return { ok: false, current: await readPostgresLease(client, name) };
}

/** Renews inside an open write transaction: only the live lease of `holder` at `token`. */
export async function renewPostgresLease(client: pg.PoolClient, name: string, holder: string, token: number, ttlMs: number): Promise<LeaseResult> {
  const result = await client.query<LeaseRow>(
    `UPDATE lintas_leases SET renewed_at = clock_timestamp(), expires_at = ${expiry('$4')}
     WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()
     RETURNING ${RETURNING}`,
    [name, holder, token, ttlMs],
  );
  const row = result.rows[0];
  if (row !== undefined) return { ok: true, lease: decodeLease(row) };
  return { ok: false, current: await readPostgresLease(client, name) };
}

/** Releases inside an open write transaction by expiring the live lease of `holder` at `token` now. */
export async function releasePostgresLease(client: pg.PoolClient, name: string, holder: string, token: number): Promise<boolean> {
  const result = await client.query(`UPDATE lintas_leases SET expires_at = clock_timestamp() WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()`, [
    name,
    holder,
    token,
  ]);
  return (result.rowCount ?? 0) > 0;
}

/** The stored lease, if any. */
export async function readPostgresLease(queryable: pg.Pool | pg.PoolClient, name: string): Promise<Lease | undefined> {
  const result = await queryable.query<LeaseRow>(`SELECT ${RETURNING} FROM lintas_leases WHERE name = $1`, [name]);
  const row = result.rows[0];
  return row === undefined ? undefined : decodeLease(row);
}

/** Inside an open write transaction: throws STORE_FENCED unless the fence's token is current, and keeps it current until the commit. */
export async function checkPostgresFence(client: pg.PoolClient, fence: Fence | undefined): Promise<void> {
  if (fence === undefined) return;
  // FOR SHARE, not FOR KEY SHARE: an acquire updates a non-key column, which only FOR SHARE blocks.
  const result = await client.query<{ token: string }>('SELECT token FROM lintas_leases WHERE name = $1 FOR SHARE', [fence.lease]);
  const row = result.rows[0];
  enforceFence(fence, row === undefined ? undefined : Number(row.token));
}
