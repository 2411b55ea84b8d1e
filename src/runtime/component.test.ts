import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../observability/index.ts';
import { ComponentStartError, startComponents, type Component } from './component.ts';

/** A component that records its lifecycle in `events`. */
function recorder(name: string, events: string[], options: { failStart?: boolean; failStop?: boolean; ready?: boolean } = {}): Component {
  return {
    name,
    async start() {
      if (options.failStart === true) throw new Error('port taken');
      events.push(`start ${name}`);
    },
    async stop() {
      events.push(`stop ${name}`);
      if (options.failStop === true) throw new Error('stuck');
    },
    health: () => (options.ready === false ? { ready: false, detail: `${name} warming up` } : { ready: true }),
  };
}

describe('startComponents', () => {
  it('starts in list order and stops in reverse, once', async () => {
    const events: string[] = [];
    const running = await startComponents([recorder('a', events), recorder('b', events), recorder('c', events)], silentLogger);
    await Promise.all([running.stop(), running.stop()]);
    assert.deepEqual(events, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('a start that fails half-way stops what already started, and names the component', async () => {
    const events: string[] = [];
    await assert.rejects(
      startComponents([recorder('a', events), recorder('b', events), recorder('dns', events, { failStart: true }), recorder('d', events)], silentLogger),
      (error: unknown) => error instanceof ComponentStartError && error.component === 'dns' && /dns: port taken/.test(error.message),
    );
    assert.deepEqual(events, ['start a', 'start b', 'stop b', 'stop a']);
  });

  it('stops every component even when one fails to stop, then reports the failure', async () => {
    const events: string[] = [];
    const running = await startComponents([recorder('a', events), recorder('b', events, { failStop: true }), recorder('c', events)], silentLogger);
    await assert.rejects(running.stop(), /stuck/);
    assert.deepEqual(events.slice(3), ['stop c', 'stop b', 'stop a']);
  });

  it('notReady names the first component that is not ready', async () => {
    const running = await startComponents([recorder('a', []), recorder('gateway', [], { ready: false }), recorder('c', [], { ready: false })], silentLogger);
    assert.equal(running.notReady(), 'gateway warming up');
    await running.stop();
  });
});
