/**
 * Test helper for end-to-end tests: poll until a probe yields a value, bounded in
 * time, never asserting on how long it took. A probe that throws counts as "not
 * yet"; its last error is shown if the wait times out.
 * @module
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

/** Polls `probe` every 25 ms until it returns something other than undefined; fails after `ms`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const deadline = performance.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}${lastError !== undefined ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await delay(25);
  }
}
