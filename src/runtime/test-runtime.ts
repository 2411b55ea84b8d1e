/**
 * Test helpers of the runtime tests: a fleet's runtime config on free loopback ports (the capstone's by default).
 * @module
 */
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../observability/index.ts';
import type { LintasStore } from '../store/index.ts';
import type { RuntimeConfig } from './config.ts';

/** The capstone fleet directory (`examples/capstone`). */
export const CAPSTONE = fileURLToPath(new URL('../../examples/capstone', import.meta.url));

/** The runtime config of the capstone on free loopback ports, its state in `stateDir`. */
export function capstoneConfig(stateDir: string, store: LintasStore): RuntimeConfig {
  return testRuntimeConfig(CAPSTONE, stateDir, store);
}

/** The runtime config of the fleet in `fleetDir` on free loopback ports (DNS, admin), its state in `stateDir`, logging to `log`. */
export function testRuntimeConfig(fleetDir: string, stateDir: string, store: LintasStore, log: Logger = silentLogger): RuntimeConfig {
  return {
    fleetDir,
    stateDir,
    dns: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    adminAllowedHosts: [],
    debounceMs: 25,
    writeAccessLog: () => undefined,
    log,
    store,
  };
}
