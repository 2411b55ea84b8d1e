/**
 * What a crashed `up --kube` leaves is cleaned by the next one: the processes and network
 * namespaces recorded in `<state>/kube/state.json` (and the planned namespaces, recorded or not).
 * Needs root and `ip` (it creates real namespaces).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cleanLeftovers } from './kube-sandbox.ts';
import { ip, listNetns, networkUnavailable } from './netns.ts';

const skip = await networkUnavailable();

describe('cleanLeftovers', { skip: skip ?? false }, () => {
  it('kills the recorded processes and deletes the recorded and planned namespaces, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lintas-kube-left-'));
    const recorded = `lintas-left-${String(process.pid)}`;
    const planned = `lintas-plan-${String(process.pid)}`;
    const other = `other-${String(process.pid)}`;
    // A process named like the sandbox's (its command line mentions lintas), and one that is not: it must survive.
    const ours = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'lintas-netns-agent'], { stdio: 'ignore' });
    const stranger = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      for (const name of [recorded, planned, other]) await ip(['netns', 'add', name]);
      mkdirSync(join(dir, 'kube'));
      writeFileSync(join(dir, 'kube', 'state.json'), JSON.stringify({ pids: [ours.pid, stranger.pid], netns: [recorded] }));
      const exited = once(ours, 'exit');
      const cleaned = await cleanLeftovers(dir, [planned]);
      assert.deepEqual(cleaned, { pids: [ours.pid], netns: [recorded, planned] });
      await exited;
      const left = await listNetns();
      assert.ok(!left.includes(recorded) && !left.includes(planned) && left.includes(other), left.join(' '));
      assert.equal(stranger.exitCode, null, 'a process that is not the sandbox\'s is never killed');
    } finally {
      ours.kill('SIGKILL');
      stranger.kill('SIGKILL');
      for (const name of [recorded, planned, other]) await ip(['netns', 'del', name]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
