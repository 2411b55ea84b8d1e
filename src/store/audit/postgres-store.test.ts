import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../../test/postgres.ts';
import { startTcpRelay } from '../../../test/tcp-relay.ts';
import { waitFor } from '../../../test/wait.ts';
import { openStore } from './open-store.ts';
import { openPostgresStore } from './postgres-store.ts';
import { type FreshDatabase, rejectsWithCode, type StoreHarness } from './store-harness.ts';
import { describeStoreSuite } from './store-suite.ts';
import type { LintasStore } from './store.ts';

let server: TestPostgres | undefined;

before(async () => {
  server = await startPostgres();
});

after(async () => {
  await server?.stop();
});

/** Runs SQL on the database through a connection of its own. */
async function rawExec(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** How many backends of the server wait for a lock now. */
async function lockWaiters(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`);
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

const postgresHarness: StoreHarness = {
  async fresh(): Promise<FreshDatabase> {
    assert.ok(server !== undefined, 'the PostgreSQL test server is running');
    // A schema per test (not a database) keeps tests independent and fast; the store works in any search_path.
    const url = await server.createSchema();
    const opened: LintasStore[] = [];
    return {
      async open(options) {
        const store = await openPostgresStore({ ...options, url });
        opened.push(store);
        return store;
      },
      rawExec: (sql) => rawExec(url, sql),
      dropGuards: () => rawExec(url, 'DROP TRIGGER audit_records_append_only ON audit_records'),
      async holdWriteLock() {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query('BEGIN');
        await client.query('SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE');
        return async () => {
          await client.query('ROLLBACK');
          await client.end();
        };
      },
      workerArgs: ['postgres', url],
      async cleanup() {
        for (const store of opened) await store.close();
      },
    };
  },
};

describeStoreSuite('postgres', postgresHarness);

describe('postgres: connection', () => {
  it('fails with STORE_OPEN_FAILED when the server is unreachable, without leaking the password', async () => {
    // Port 1 on loopback refuses connections at once.
    const url = 'postgres://lintas:s3cret@127.0.0.1:1/lintas';
    await rejectsWithCode(openPostgresStore({ url, connectTimeoutMs: 2000 }), 'STORE_OPEN_FAILED');
    await openPostgresStore({ url, connectTimeoutMs: 2000 }).catch((error: Error) => assert.ok(!error.message.includes('s3cret'), error.message));
  });

  it('refuses a database written by a newer schema version', async () => {
    assert.ok(server !== undefined);
    const url = await server.createSchema();
    await (await openPostgresStore({ url })).close();
    await rawExec(url, `UPDATE lintas_meta SET value = '99' WHERE key = 'schema_version'`);
    await rejectsWithCode(openPostgresStore({ url }), 'STORE_OPEN_FAILED');
  });

  it('migrates once when several instances open a new database at the same time', async () => {
    assert.ok(server !== undefined);
    const url = await server.createSchema();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url, poolSize: 1 })));
    try {
      await Promise.all(stores.map((s, i) => s.append([{ actor: `replica-${i}`, action: 'start', target: 'lintas' }])));
      assert.deepEqual(await stores[0]!.verify(), { ok: true, count: 3 });
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('checks the fence inside the write transaction: a write queued behind the head lock is refused once a newer holder took the lease', async () => {
    const db = await postgresHarness.fresh();
    try {
      const [a, b] = [await db.open(), await db.open()];
      const old = await a.acquireLease('leader', 'replica-a', 600_000);
      assert.ok(old.ok);
      const release = await db.holdWriteLock();
      let write: Promise<unknown>;
      try {
        // Sent while its token is still current; it waits for the head lock held by another connection.
        write = a.append([{ actor: 'replica-a', action: 'test.write', target: 'fenced' }], { fence: { lease: 'leader', token: old.lease.token } });
        write.catch(() => {});
        await waitFor('the fenced write to wait for the head lock', async () => ((await lockWaiters(db.workerArgs[1])) > 0 ? true : undefined));
        // Lease calls take no head lock, so the takeover completes while that write waits.
        assert.equal(await a.releaseLease('leader', 'replica-a', old.lease.token), true);
        const next = await b.acquireLease('leader', 'replica-b', 600_000);
        assert.ok(next.ok && next.lease.token === old.lease.token + 1);
      } finally {
        await release();
      }
      await rejectsWithCode(write, 'STORE_FENCED');
      assert.deepEqual(await b.list(), []);
    } finally {
      await db.cleanup();
    }
  });

  it('fails a write whose connection dies mid-transaction with STORE_WRITE_FAILED, without crashing the process', async () => {
    assert.ok(server !== undefined);
    const url = new URL(await server.createSchema());
    const relay = await startTcpRelay({ host: url.hostname, port: Number(url.port) });
    url.port = String(relay.port);
    const store = await openPostgresStore({ url: url.toString(), poolSize: 1 });
    try {
      await store.append([{ actor: 'a', action: 'b', target: 'c' }]);
      relay.stall();
      const write = store.append([{ actor: 'a', action: 'b', target: 'c' }]);
      write.catch(() => {});
      relay.cut();
      // Before: the dying connection's 'error' event had no listener and crashed the test process.
      await rejectsWithCode(write, 'STORE_WRITE_FAILED');
    } finally {
      await relay.close();
      await store.close();
    }
  });

  it('openStore picks PostgreSQL for a postgres:// URL and reports a location without the password', async () => {
    assert.ok(server !== undefined);
    const url = new URL(await server.createSchema());
    url.password = 'unused-by-trust-auth';
    const store = await openStore({ dataDir: '/nonexistent', url: url.toString() });
    try {
      assert.equal(store.backend, 'postgres');
      assert.ok(store.location.includes('***') && !store.location.includes('unused-by-trust-auth'), store.location);
    } finally {
      await store.close();
    }
  });
});
