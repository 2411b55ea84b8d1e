/**
 * Entry script of an app child process: `node --import tsx child-main.ts '<AppConfig JSON>'`
 * (or the JSON in `LINTAS_APP_CONFIG`). The supervisor spawns it with an IPC channel.
 * @module
 */
import { createLogger } from '../../observability/index.ts';
import { runAppProcess } from './process.ts';
import type { AppConfig } from './types.ts';

const raw = process.argv[2] ?? process.env.LINTAS_APP_CONFIG ?? '';
let config: unknown;
try {
  config = JSON.parse(raw);
} catch (error) {
  createLogger({ format: 'json' }).error('app config is not JSON', { error: (error as Error).message });
  process.exit(2);
}
// runAppProcess validates the shape and reports a bad one to the parent.
await runAppProcess(config as AppConfig);
