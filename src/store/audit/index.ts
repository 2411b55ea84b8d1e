/**
 * The durable store: the hash-chained audit trail and the compare-and-set failover state, on an embedded
 * SQLite file (default) or a shared PostgreSQL database.
 * @module
 */
export { canonicalJson, sha256hex } from './canonical-json.ts';
export {
  type AuditDraft,
  type AuditRecord,
  auditId,
  type ChainHead,
  type ChainVerification,
  type ChainVerifier,
  createChainVerifier,
  GENESIS_HASH,
  hashRecord,
  sealRecords,
  verifyChain,
} from './chain.ts';
export { StoreError, type StoreErrorCode } from './errors.ts';
export { type Fence, type Lease, type LeaseResult, MAX_LEASE_TTL_MS, type WriteOptions } from './lease.ts';
export { openStore, type OpenStoreOptions } from './open-store.ts';
export { openPostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
export { openSqliteStore, SQLITE_FILE, type SqliteStoreOptions } from './sqlite-store.ts';
export type { AuditQuery, CasResult, LintasStore, StateEntry, StoredState, StoreOptions } from './store.ts';
