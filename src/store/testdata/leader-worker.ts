/**
 * A child process for the leader-election tests: a control-plane replica that only elects.
 *
 *   leader-worker.ts <postgres url> <lease name> <holder> <ttlMs> <renewMs>
 *     prints `leader <token>` or `follower <reason>` on every role change; the test SIGKILLs it.
 */
import { openPostgresStore } from '../audit/index.ts';
import { startLeaderElection } from '../leader-election.ts';

const [url = '', name = '', holder = '', ttlMs = '0', renewMs = '0'] = process.argv.slice(2);

try {
  const store = await openPostgresStore({ url, poolSize: 1 });
  const election = startLeaderElection({ store, name, holder, ttlMs: Number(ttlMs), renewMs: Number(renewMs) });
  for await (const update of election.roles.subscribe()) {
    const role = update.state.get(name);
    if (role !== undefined) process.stdout.write(role.role === 'leader' ? `leader ${role.fence.token}\n` : `follower ${role.reason}\n`);
  }
} catch (error) {
  process.stderr.write(`leader-worker: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
