/**
 * The `header=Name: value` query parameters of `/api/v1/explain` (what `lintas route explain -H`
 * sends), parsed as the CLI parses its flags.
 * @module
 */
import { AdminApiError } from '../observability/index.ts';

/** `Name: value` strings → lower-case header map; a malformed one is a 400 naming it. */
export function parseHeaderList(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    if (colon <= 0) throw new AdminApiError(400, 'invalid_header', `header must be "Name: value", got "${value}"`);
    headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim();
  }
  return headers;
}
