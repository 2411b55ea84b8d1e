/**
 * Test helpers of the runtime tests: the capstone fleet's runtime config on free loopback ports.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../observability/index.ts';
import type { LintasStore } from '../store/index.ts';
import type { RuntimeConfig } from './config.ts';

/** The capstone fleet directory (`examples/capstone`). */
export const CAPSTONE = fileURLToPath(new URL('../../examples/capstone', import.meta.url));

/** The runtime config of the capstone on free loopback ports, its state in `stateDir`. */
export function capstoneConfig(stateDir: string, store: LintasStore): RuntimeConfig {
  return {
    fleetDir: CAPSTONE,
    stateDir,
    dns: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    adminAllowedHosts: [],
    debounceMs: 25,
    writeAccessLog: () => undefined,
    log: silentLogger,
    store,
  };
}
