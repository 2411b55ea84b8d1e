/**
 * The failover runner suite (runner-suite.ts) on SQLite: a store in a fresh temp directory per test.
 */
import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../store/index.ts';
import { describeRunnerSuite } from './runner-suite.ts';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describeRunnerSuite('sqlite', {
  async fresh() {
    const dir = await mkdtemp(join(tmpdir(), 'lintas-failover-'));
    dirs.push(dir);
    return { open: () => openStore({ dataDir: dir }) };
  },
});
