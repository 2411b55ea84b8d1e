/**
 * Web origins (RFC 6454) as CORS compares them: `scheme://host:port`, scheme
 * and host lower-cased, the scheme's default port spelled out, so that
 * `https://A.example` and `https://a.example:443` are one origin.
 * @module
 */

/** The serialised origin with its default port, or undefined when `origin` is not `http(s)://host[:port]`. */
export function normaliseOrigin(origin: string): string | undefined {
  const m = /^(https?):\/\/([^:/?#\s]+)(?::(\d{1,5}))?$/i.exec(origin);
  if (m === null) return undefined;
  const scheme = (m[1] as string).toLowerCase();
  const port = m[3] === undefined ? (scheme === 'https' ? 443 : 80) : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return `${scheme}://${(m[2] as string).toLowerCase()}:${String(port)}`;
}
