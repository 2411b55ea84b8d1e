/**
 * Test helper: holds the calling thread busy, as a long translation would hold the control
 * plane's thread, so that a test can check what other threads (or the kernel) did meanwhile.
 * @module
 */

/** Busy-waits `ms` on this thread; returns when the block started and ended (epoch ms, comparable across threads). */
export function blockThread(ms: number): { start: number; end: number } {
  const start = Date.now();
  while (Date.now() - start < ms) {
    // Busy: nothing else runs on this thread meanwhile.
  }
  return { start, end: Date.now() };
}
