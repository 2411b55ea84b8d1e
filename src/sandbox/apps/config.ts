/**
 * Validation of the plain-JSON messages that cross the process boundary: the
 * app config a child starts with and the faults it is sent over IPC.
 * @module
 */
import { z } from 'zod';
import type { AppConfig, AppFault, AppName } from './types.ts';

/** A config or fault message that does not have the documented shape. */
export class AppConfigError extends Error {
  /** Always `LINTAS_ERR_APP_CONFIG`. */
  readonly code = 'LINTAS_ERR_APP_CONFIG';

  /** Wraps the validation failure of `what`. */
  constructor(what: string, detail: string, cause?: unknown) {
    super(`invalid ${what}: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'AppConfigError';
  }
}

const Peers = z.object({
  sameCluster: z.array(z.url()),
  otherClusters: z.array(z.object({ cluster: z.string().min(1), url: z.url() })),
});

const AppConfigSchema = z.object({
  app: z.enum(['case-api', 'search', 'audit-ingest', 'echo'] satisfies AppName[]),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  cluster: z.string().min(1),
  region: z.string().min(1),
  replica: z.number().int().min(0),
  version: z.string().min(1),
  peers: Peers.optional(),
  replicationLagMs: z.number().min(0).optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
});

const AppFaultSchema = z.object({
  errorRate: z.number().min(0).max(1).optional(),
  latencyMs: z.number().min(0).optional(),
  dependencyDown: z.boolean().optional(),
  replicationLagMs: z.number().min(0).optional(),
});

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length === 0 ? '.' : `.${i.path.join('.')}`}: ${i.message}`).join('; ');
}

/** Validates an app config (throws {@link AppConfigError}). */
export function parseAppConfig(value: unknown): AppConfig {
  const parsed = AppConfigSchema.safeParse(value);
  if (!parsed.success) throw new AppConfigError('app config', describe(parsed.error), parsed.error);
  return parsed.data;
}

/** Validates a fault (throws {@link AppConfigError}); unknown fields are dropped. */
export function parseAppFault(value: unknown): AppFault {
  const parsed = AppFaultSchema.safeParse(value);
  if (!parsed.success) throw new AppConfigError('fault', describe(parsed.error), parsed.error);
  return parsed.data;
}
