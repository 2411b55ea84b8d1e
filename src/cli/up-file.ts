/**
 * `<state-dir>/up.json`: how a running `lintas up` is found by the rest of the
 * CLI (`fault`, `failover`, `audit`, `get health`) and by a second `lintas up`.
 * @module
 */
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT } from './io.ts';

/** What `lintas up` writes once the fleet is ready. */
export interface UpInfo {
  readonly admin: string;
  readonly token: string;
  /** A second local subject with the approver role: approvals must come from someone other than the proposer. */
  readonly approverToken: string;
  /** A third local subject with the viewer role only: what the web console (`/ui`) signs in with to look, not act. */
  readonly viewerToken: string;
  readonly dns: string;
  readonly gateways: Readonly<Record<string, string>>;
  readonly accessLog: string;
  readonly pid: number;
  /** The public hostnames the DNS answers (DNSPolicy). */
  readonly publicHostnames?: readonly string[];
  /** `up --kube`: the kubeconfig with one context per cluster, and each cluster's network namespace (its addresses are reachable only inside it). */
  readonly kube?: { readonly kubeconfig: string; readonly contexts: readonly string[]; readonly netns: Readonly<Record<string, string>> };
}

/** `up.json` as read from disk: nothing is trusted until checked. */
export type UpFile = { readonly [K in keyof UpInfo]?: unknown };

/** Where `lintas up` with `stateDir` keeps its `up.json`. */
export function upFilePath(stateDir: string): string {
  return join(stateDir, 'up.json');
}

/** Reads `up.json`: undefined when absent or unreadable; a clear error when it is not a JSON object. */
export function readUpFile(path: string): UpFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as UpFile;
  } catch {
    // Reported below like any other unusable file.
  }
  throw new CliError(`error: ${path} is not valid JSON; remove it, or pass --server URL --token TOKEN`, EXIT.invalid);
}

/**
 * Writes `up.json` readable by its owner only (mode 0600: it holds bearer tokens). It is
 * written to a fresh file and renamed into place, so a stale `up.json` left with a looser
 * mode (which `writeFileSync`'s mode would keep) never holds the new tokens, and readers
 * never see half a file.
 */
export function writeUpFile(path: string, info: UpInfo): void {
  const tmp = `${path}.${String(process.pid)}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  // The process umask can only remove bits, but be explicit about the result.
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Whether process `pid` still runs (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
