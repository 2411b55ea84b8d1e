/**
 * Helpers for the upstream tests: a seeded random source, a fake clock and
 * IR builders. Not used by production code.
 * @module
 */
import type { UpstreamEndpointIR, UpstreamIR } from '../../../ir/index.ts';

/** Deterministic [0, 1) source (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock the test moves by hand. */
export interface FakeClock {
  readonly now: () => number;
  advance(ms: number): void;
}

/** Creates a fake clock starting at `start` ms. */
export function fakeClock(start = 1_000_000): FakeClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

/** A ready endpoint with overridable fields. */
export function ep(address: string, cluster: string, extra: Partial<UpstreamEndpointIR> = {}): UpstreamEndpointIR {
  return { address, port: 8080, cluster, ready: true, serving: true, terminating: false, ...extra };
}

/** A ServiceImport upstream over `endpoints`. */
export function upstream(endpoints: readonly UpstreamEndpointIR[], extra: Partial<UpstreamIR> = {}): UpstreamIR {
  return {
    key: 'ServiceImport/ns/svc:8080',
    kind: 'ServiceImport',
    namespace: 'ns',
    name: 'svc',
    port: 8080,
    protocol: 'http',
    endpoints,
    ...extra,
  };
}

/** Polls `check` until it is true or `timeoutMs` passes; returns whether it became true. */
export async function waitFor(check: () => boolean, timeoutMs = 5_000, stepMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return true;
}
