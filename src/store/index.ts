/**
 * The store: versioned, subscribable state shared by sources (writers) and controllers (readers).
 * @module
 */
export { writeFileAtomicSync, writeFilesAtomicSync } from './atomic-file.ts';
export { FLEET_SHARD, FleetStore, type FleetUpdate, type Shard } from './fleet-store.ts';
export { WatchableMap, type MapUpdate } from './watchable-map.ts';
export { auditId, canonicalJson, createChainVerifier, GENESIS_HASH, hashRecord, openPostgresStore, openSqliteStore, openStore, sealRecords, sha256hex, SQLITE_FILE, StoreError, verifyChain, type AuditDraft, type AuditQuery, type AuditRecord, type CasResult, type ChainHead, type Fence, type Lease, type LeaseResult, MAX_LEASE_TTL_MS, type WriteOptions, type ChainVerification, type ChainVerifier, type LintasStore, type OpenStoreOptions, type PostgresStoreOptions, type SqliteStoreOptions, type StateEntry, type StoredState, type StoreErrorCode, type StoreOptions } from './audit/index.ts';
export { type FollowerReason, type LeaderElection, type LeaderElectionOptions, type LeaderRole, pause, startLeaderElection } from './leader-election.ts';
