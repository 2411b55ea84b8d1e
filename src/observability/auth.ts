/**
 * Bearer-token authentication of the admin API: the `--auth-file` (YAML
 * `tokens: [{ token, subject, roles }]`), parsed with every problem located,
 * and an authenticator that compares tokens in constant time. Roles are for
 * people (viewer, operator, approver, admin) or for one cluster's gateway
 * (`gateway:<cluster>`: its config stream only).
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Issue } from '../api/index.ts';
import { dns1123Label } from '../lib/index.ts';

/** The role of one cluster's gateway (`lintas gateway --cluster NAME`): it may read that cluster's config stream, nothing else. */
export type GatewayRole = `gateway:${string}`;

/** Roles of the admin API; `admin` implies every other role. */
export type Role = 'viewer' | 'operator' | 'approver' | 'admin' | GatewayRole;

/** Every role for people, least to most powerful (gateway roles, `gateway:<cluster>`, come on top). */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'approver', 'admin'];

/** The prefix of gateway roles. */
export const GATEWAY_ROLE_PREFIX = 'gateway:';

/** The role that lets a gateway read `cluster`'s config stream. */
export function gatewayRole(cluster: string): GatewayRole {
  return `${GATEWAY_ROLE_PREFIX}${cluster}`;
}

/** A role named in an auth file: one of {@link ROLES}, or `gateway:<cluster>` with a DNS-1123 label as the cluster. */
function parseRole(value: unknown): Role | undefined {
  if (typeof value !== 'string') return undefined;
  if ((ROLES as readonly string[]).includes(value)) return value as Role;
  if (value.startsWith(GATEWAY_ROLE_PREFIX) && dns1123Label(value.slice(GATEWAY_ROLE_PREFIX.length)) === undefined) return value as GatewayRole;
  return undefined;
}

/** Who made a request: the subject named in the auth file and the roles granted there. */
export interface Principal {
  readonly subject: string;
  readonly roles: readonly Role[];
}

/** One entry of the auth file. */
export interface AuthToken {
  readonly token: string;
  readonly subject: string;
  readonly roles: readonly Role[];
}

/** A parsed auth file. */
export interface AuthConfig {
  readonly tokens: readonly AuthToken[];
}

/** Stable codes of auth-file failures. */
export type AuthFileErrorCode =
  /** The file is not valid: every problem is in `problems`. */
  | 'LINTAS_ERR_AUTH_FILE'
  /** The file could not be read (missing, a directory, no permission, too large). */
  | 'LINTAS_ERR_AUTH_FILE_UNREADABLE';

/** An auth file that cannot be used; `problems` are located issues (never containing a token). */
export class AuthFileError extends Error {
  override readonly name = 'AuthFileError';
  /** Creates an error for `file` with a stable code. */
  constructor(
    readonly code: AuthFileErrorCode,
    readonly file: string,
    readonly problems: readonly Issue[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Checks bearer tokens; `readOnly` when no auth file was given (mutations are then refused). */
export interface Authenticator {
  /** The principal for an `Authorization: Bearer …` header value, or undefined if missing or unknown. */
  authenticate(authorizationHeader: string | undefined): Principal | undefined;
  readonly readOnly: boolean;
}

/** Tokens shorter than this are refused: they could be guessed. */
export const MIN_TOKEN_LENGTH = 16;
// An auth file is a handful of lines; anything bigger is a mistake (or an attack on the parser).
const MAX_AUTH_FILE_BYTES = 1024 * 1024;
const MAX_ALIAS_COUNT = 100;
// Visible ASCII only: a token must survive an HTTP header and a shell unchanged.
const TOKEN_CHARS = /^[\x21-\x7e]+$/;
const ENTRY_FIELDS = new Set(['token', 'subject', 'roles']);
const ROLE_CHOICES = `${ROLES.join(', ')}, ${GATEWAY_ROLE_PREFIX}<cluster>`;

/** True when `principal` holds `role`: `admin` implies every role, and every role of a person implies `viewer`. */
export function hasRole(principal: Principal, role: Role): boolean {
  if (principal.roles.includes('admin') || principal.roles.includes(role)) return true;
  // Whoever may change something may also read it (the CLI reads status before and after a change);
  // a gateway's token reads its cluster's config and nothing more, so a leaked one exposes little.
  return role === 'viewer' && principal.roles.some((r) => !r.startsWith(GATEWAY_ROLE_PREFIX));
}

/** A fresh token: 32 random bytes, base64url (43 characters), e.g. for `lintas up`'s local admin. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Parses and checks auth-file text; throws {@link AuthFileError} listing every problem. */
export function parseAuthFile(text: string, file: string): AuthConfig {
  const lineCounter = new LineCounter();
  const problems: Issue[] = [];
  const lastLine = Math.max(1, text.replace(/\n+$/, '').split('\n').length);
  const lineAt = (offset: number): number => Math.min(lineCounter.linePos(offset).line, lastLine);
  const problem = (line: number, field: string | undefined, message: string): void => {
    problems.push({ severity: 'error', file, line, ...(field !== undefined ? { field } : {}), message });
  };
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true }) as Document.Parsed;
  for (const error of doc.errors) problem(lineAt(error.pos[0]), undefined, `YAML syntax error: ${firstLine(error.message)}`);
  if (problems.length > 0) throw fail(file, problems);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    problem(1, undefined, `cannot read document: ${firstLine((error as Error).message)}`);
    throw fail(file, problems);
  }
  const lineOf = (path: readonly (string | number)[]): number => lineAt(nodeFor(doc, path).range?.[0] ?? 0);
  if (!isPlainObject(value)) {
    problem(1, undefined, 'an auth file must be a map with a tokens list');
    throw fail(file, problems);
  }
  for (const key of Object.keys(value)) if (key !== 'tokens') problem(lineOf([key]), `.${key}`, 'unknown field (expected only tokens)');
  const list = value['tokens'];
  if (!Array.isArray(list)) {
    problem(lineOf(['tokens']), '.tokens', list === undefined ? 'is required' : 'must be a list');
    throw fail(file, problems);
  }
  const tokens: AuthToken[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry: unknown, i: number) => {
    const at = (field: string): [number, string] => [lineOf(['tokens', i, field]), `.tokens[${i}].${field}`];
    if (!isPlainObject(entry)) {
      problem(lineOf(['tokens', i]), `.tokens[${i}]`, 'must be a map with token, subject and roles');
      return;
    }
    const before = problems.length;
    for (const key of Object.keys(entry)) if (!ENTRY_FIELDS.has(key)) problem(...at(key), 'unknown field (expected token, subject, roles)');
    const token = entry['token'];
    // Messages never quote the token: the error may be printed or logged.
    if (typeof token !== 'string') problem(...at('token'), token === undefined ? 'is required' : 'must be a string');
    else if (token.length === 0) problem(...at('token'), 'must not be empty');
    else if (token.length < MIN_TOKEN_LENGTH) problem(...at('token'), `must be at least ${MIN_TOKEN_LENGTH} characters (got ${token.length}); use e.g. 32 random bytes, base64url`);
    else if (!TOKEN_CHARS.test(token)) problem(...at('token'), 'must be printable ASCII without spaces');
    else if (seen.has(token)) problem(...at('token'), `duplicate token (same as .tokens[${seen.get(token)}].token)`);
    else seen.set(token, i);
    const subject = entry['subject'];
    if (typeof subject !== 'string') problem(...at('subject'), subject === undefined ? 'is required' : 'must be a string');
    else if (subject.trim() === '') problem(...at('subject'), 'must not be empty');
    const roles = entry['roles'];
    const parsedRoles: Role[] = [];
    if (!Array.isArray(roles)) problem(...at('roles'), roles === undefined ? 'is required' : 'must be a list');
    else if (roles.length === 0) problem(...at('roles'), `must name at least one role (${ROLE_CHOICES})`);
    else
      roles.forEach((role: unknown, r: number) => {
        const parsed = parseRole(role);
        if (parsed !== undefined) {
          if (!parsedRoles.includes(parsed)) parsedRoles.push(parsed);
        } else {
          problem(lineOf(['tokens', i, 'roles', r]), `.tokens[${i}].roles[${r}]`, `unknown role ${JSON.stringify(role)} (expected one of ${ROLE_CHOICES})`);
        }
      });
    if (problems.length === before) tokens.push({ token: token as string, subject: subject as string, roles: parsedRoles });
  });
  if (problems.length > 0) throw fail(file, problems);
  return { tokens };
}

/** Reads and parses an auth file; throws {@link AuthFileError} (`LINTAS_ERR_AUTH_FILE_UNREADABLE` or `LINTAS_ERR_AUTH_FILE`). */
export async function loadAuthFile(path: string): Promise<AuthConfig> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_AUTH_FILE_BYTES) throw new Error(`larger than ${MAX_AUTH_FILE_BYTES} bytes`);
    text = bytes.toString('utf8');
  } catch (error) {
    const detail = (error as Error).message;
    throw new AuthFileError('LINTAS_ERR_AUTH_FILE_UNREADABLE', path, [], `cannot read auth file ${path}: ${detail}`, { cause: error });
  }
  return parseAuthFile(text, path);
}

/** An authenticator over `config`; without one it is read-only and authenticates nobody. */
export function createAuthenticator(config: AuthConfig | undefined): Authenticator {
  // Compare SHA-256 digests, not tokens: equal lengths for timingSafeEqual, and no length leak.
  const entries = (config?.tokens ?? []).map((t) => ({ digest: sha256(t.token), principal: { subject: t.subject, roles: [...t.roles] } }));
  return {
    readOnly: config === undefined,
    authenticate(header) {
      const token = bearerToken(header);
      if (token === undefined) return undefined;
      const digest = sha256(token);
      let found: Principal | undefined;
      // Visit every entry whatever matched, so the time taken does not tell which entry (or how many) matched.
      for (const entry of entries) {
        if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.principal;
      }
      return found;
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header value (scheme case-insensitive, RFC 6750). */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^[Bb][Ee][Aa][Rr][Ee][Rr] +(\S+) *$/.exec(header);
  return match?.[1];
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function fail(file: string, unsorted: readonly Issue[]): AuthFileError {
  // Sorted by line, then text, so the report reads top to bottom whatever order checks ran in.
  const text = (p: Issue): string => [...(p.field !== undefined ? [p.field] : []), p.message].join(': ');
  const problems = [...unsorted].sort((a, b) => a.line - b.line || (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
  const lines = problems.map((p) => [`${file}:${p.line}`, ...(p.field !== undefined ? [p.field] : []), p.message].join(': '));
  return new AuthFileError('LINTAS_ERR_AUTH_FILE', file, problems, `invalid auth file ${file}:\n${lines.join('\n')}`);
}

/** The deepest node on `path` that exists (a missing field is reported at its parent). */
function nodeFor(doc: Document.Parsed, path: readonly (string | number)[]): Node {
  let node = doc.contents as Node;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth];
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const k = item.key as { value?: unknown } | null;
        return k !== null && typeof k === 'object' && String(k.value) === String(key);
      });
      // Point at the key: for nested values the value may start on the next line.
      if (pair && depth === path.length - 1 && pair.key) return pair.key as Node;
      next = pair?.value;
    } else if (isSeq(node) && typeof key === 'number') {
      next = node.items[key];
    }
    if (!next || typeof next !== 'object' || !('range' in next)) return node;
    node = next as Node;
  }
  return node;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
