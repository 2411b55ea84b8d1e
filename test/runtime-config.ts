/**
 * Test helper: the runtime config of a fleet on free loopback ports (DNS and admin on port 0), its
 * state in `stateDir`, logs silenced, the access log dropped.
 * @module
 */
import { silentLogger } from '../src/observability/index.ts';
import type { RuntimeConfig } from '../src/runtime/index.ts';
import type { LintasStore } from '../src/store/index.ts';

/** A runtime config for `fleetDir` on loopback; `extra` adds or overrides fields (e.g. `kubeconfigPath`). */
export function loopbackRuntimeConfig(fleetDir: string, stateDir: string, store: LintasStore, extra: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return {
    fleetDir,
    stateDir,
    dns: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    adminAllowedHosts: [],
    debounceMs: 25,
    writeAccessLog: () => undefined,
    log: silentLogger,
    store,
    ...extra,
  };
}
