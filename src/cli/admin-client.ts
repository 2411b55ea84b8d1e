/**
 * A small client of the admin API for the CLI (`lintas failover|drain|audit`):
 * `--server URL --token T` (or `$LINTAS_TOKEN`), falling back to the running
 * `lintas up` of the current directory (`.lintas/up.json`: admin URL and token).
 * A refused call (401/403/409/…) becomes a CliError with the server's error code
 * and message, so the command prints why and exits non-zero.
 * @module
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { readUpFile, upFilePath, type UpFile } from './up-file.ts';
import { CliError, EXIT, type CliIO } from './io.ts';

/** The connection flags every admin command takes. */
export interface ClientFlags {
  readonly server?: string;
  readonly token?: string;
}

/** A connection to one admin server. */
export interface AdminClient {
  readonly server: string;
  /** GETs a JSON route; query values that are undefined are left out. */
  get<T>(path: string, query?: Readonly<Record<string, string | undefined>>): Promise<T>;
  /** POSTs a JSON body to an action. */
  post<T>(path: string, body: Readonly<Record<string, unknown>>): Promise<T>;
}

const TIMEOUT_MS = 15_000;

/** Adds `--server` and `--token` to a command. */
export function addClientOptions(command: Command): Command {
  return command
    .option('--server <url>', 'admin URL of lintas serve (default: the lintas up running here, from .lintas/up.json)')
    .option('--token <token>', 'bearer token from the auth file (default: $LINTAS_TOKEN, or the lintas up token)');
}

function readUp(cwd: string): UpFile | undefined {
  try {
    return readUpFile(upFilePath(join(cwd, '.lintas')));
  } catch {
    return undefined;
  }
}

/** The admin server and token from the flags, `$LINTAS_TOKEN` or `.lintas/up.json`. */
export function adminClient(flags: ClientFlags, io: CliIO): AdminClient {
  let server = flags.server;
  let token = flags.token ?? io.env['LINTAS_TOKEN'];
  if (server === undefined) {
    const up = readUp(io.cwd);
    if (typeof up?.admin !== 'string') {
      throw new CliError('error: no admin server: pass --server URL --token TOKEN (the admin address of lintas serve), or run this where lintas up is running (.lintas/up.json)', EXIT.usage);
    }
    server = up.admin;
    // The local fleet's token is only ever sent to the local fleet's admin server.
    if (token === undefined && typeof up.token === 'string') token = up.token;
  }
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new CliError(`error: --server ${server} is not a URL (e.g. http://127.0.0.1:7070)`, EXIT.usage);
  }
  const call = async <T>(method: 'GET' | 'POST', url: URL, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { accept: 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new CliError(`error: cannot reach ${base.origin}: ${cause ?? (error as Error).message}`, EXIT.invalid);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const e = (parsed ?? {}) as { error?: unknown; message?: unknown };
      const code = typeof e.error === 'string' ? ` ${e.error}` : '';
      const message = typeof e.message === 'string' ? e.message : text.trim();
      throw new CliError(`error: ${method} ${url.pathname}: HTTP ${res.status}${code}: ${message}`, EXIT.invalid);
    }
    if (parsed === undefined) throw new CliError(`error: ${method} ${url.pathname}: the server did not answer JSON`, EXIT.invalid);
    return parsed as T;
  };
  return {
    server: base.origin,
    get(path, query = {}) {
      const url = new URL(path, base);
      for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
      return call('GET', url);
    },
    post: (path, body) => call('POST', new URL(path, base), body),
  };
}

/** `ns/name` split, or a usage error naming what was expected. */
export function splitNsName(value: string, what: string): { namespace: string; name: string } {
  const parts = value.split('/');
  const [namespace, name] = parts;
  if (parts.length !== 2 || !namespace || !name) throw new CliError(`error: ${what} must be NAMESPACE/NAME, got ${JSON.stringify(value)}`, EXIT.usage);
  return { namespace, name };
}

/** A path segment, percent-encoded. */
export const seg = (value: string): string => encodeURIComponent(value);
