/**
 * The failover runner suite (runner-suite.ts) on PostgreSQL: one real, throwaway server for
 * the file (test/postgres.ts; like the store's PostgreSQL tests, it fails rather than skips
 * when the server binaries are missing), and a fresh schema per test.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startPostgres, type TestPostgres } from '../../../test/postgres.ts';
import { openStore } from '../../store/index.ts';
import { describeRunnerSuite } from './runner-suite.ts';

let server: TestPostgres | undefined;

before(async () => {
  server = await startPostgres();
});

after(async () => {
  await server?.stop();
});

describeRunnerSuite('postgres', {
  async fresh() {
    assert.ok(server !== undefined, 'the PostgreSQL test server is running');
    // A schema per test keeps tests independent; every open is a new pool on it (a restart, a second replica).
    const url = await server.createSchema();
    return { open: () => openStore({ dataDir: '/nonexistent', url }) };
  },
});
