/**
 * A built single-page app served from a directory under a path prefix of the admin server
 * (the web console at `/ui`, issue 19): files by extension with their content type, hashed
 * assets (`assets/`) cached for a year, `index.html` revalidated every time and answered for
 * any other unknown path so client-side routing works, paths that leave the directory refused,
 * and security headers on every answer (a strict Content-Security-Policy: everything from this
 * origin, nothing inline, no frames). No token is needed: the files hold no data, and every
 * data route checks its own. A directory without `index.html` answers 503 with `missingHint`.
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

/** The Content-Security-Policy of the app: same origin only (a Vite build inlines small images and fonts as data: URLs). */
export const APP_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** Headers on every answer under the prefix. */
export const APP_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': APP_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
/** Files bigger than this are not served (a built app's files are far smaller). */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Options of {@link staticApp}. */
export interface StaticAppOptions {
  /** The directory of the built app (holds `index.html`). */
  readonly root: string;
  /** The path prefix it is served under, e.g. `/ui`. */
  readonly prefix: string;
  /** The one line a 503 says when the app is not built, e.g. how to build it. */
  readonly missingHint: string;
}

/** A handler for a request whose path is the prefix or below it. */
export type PrefixHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** Serves the app of `options` (see the module doc). */
export function staticApp(options: StaticAppOptions): PrefixHandler {
  const root = resolve(options.root);
  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string, head: boolean): void => {
    res.writeHead(status, { ...APP_SECURITY_HEADERS, 'content-length': String(Buffer.byteLength(body)), ...headers });
    res.end(head ? undefined : body);
  };
  const text = (res: ServerResponse, status: number, message: string, head: boolean, headers: Record<string, string> = {}): void =>
    send(res, status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers }, `${message}\n`, head);
  const file = async (path: string): Promise<Buffer | undefined> => {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile() || info.size > MAX_FILE_BYTES) return undefined;
    return readFile(path).catch(() => undefined);
  };

  return async (req, res, url) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return text(res, 405, `${String(req.method)} not allowed on ${options.prefix}`, false, { allow: 'GET, HEAD' });
    const index = await file(resolve(root, 'index.html'));
    if (index === undefined) return text(res, 503, options.missingHint, head);
    let rest: string;
    try {
      rest = decodeURIComponent(url.pathname.slice(options.prefix.length));
    } catch {
      return text(res, 400, 'malformed path', head);
    }
    // `%2e%2e%2f` survives URL parsing; after decoding, the path must still be inside the app.
    const target = resolve(root, `.${rest.startsWith('/') ? rest : `/${rest}`}`);
    if (rest.includes('\0') || (target !== root && !target.startsWith(root + sep))) return text(res, 400, 'path outside the app', head);
    const isAsset = target.startsWith(resolve(root, 'assets') + sep);
    const body = target === root ? undefined : await file(target);
    if (body !== undefined && target !== resolve(root, 'index.html')) {
      const type = CONTENT_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
      return send(res, 200, { 'content-type': type, 'cache-control': isAsset ? IMMUTABLE : 'no-cache' }, body, head);
    }
    // A hashed asset that is not there must not be answered with HTML (the browser would run it as a script).
    if (isAsset) return text(res, 404, 'no such asset', head);
    return send(res, 200, { 'content-type': CONTENT_TYPES['.html'] as string, 'cache-control': 'no-cache' }, index, head);
  };
}
