/**
 * Path rewriting shared by URLRewrite and RequestRedirect: ReplaceFullPath and
 * ReplacePrefixMatch, with the Gateway API table (`/foo/bar` with match `/foo`
 * or `/foo/` and replacement `/xyz` or `/xyz/` → `/xyz/bar`; `/foo` with `/` →
 * `/`).
 * @module
 */
import { PATH_EXACT, PATH_PREFIX, type CompiledMatch } from './match.ts';

/** A path modifier (`ReplaceFullPath` or `ReplacePrefixMatch`). */
export interface PathModifier {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly value: string;
}

/**
 * Replaces the matched element-wise `prefix` (without trailing `/`, '' for `/`)
 * of `path` with `replacement`, never producing `//` at the seam.
 */
export function replacePrefix(path: string, prefix: string, replacement: string): string {
  let rest = path.slice(prefix.length);
  // A `/` match consumed nothing; the request `/` itself is all prefix.
  if (prefix === '' && rest === '/') rest = '';
  if (rest === '') return replacement === '' ? '/' : replacement;
  const head = replacement.endsWith('/') ? replacement.slice(0, -1) : replacement;
  const out = head + rest;
  return out.charCodeAt(0) === 47 ? out : `/${out}`;
}

/**
 * The rewritten path (without query). ReplacePrefixMatch only comes with a
 * PathPrefix match (the translator rejects other combinations); for an Exact
 * match the whole path is the prefix, and for a regex match the full path is replaced.
 */
export function rewritePath(path: string, modifier: PathModifier, match: CompiledMatch): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.value;
  if (match.pathKind === PATH_PREFIX) return replacePrefix(path, match.pathValue, modifier.value);
  if (match.pathKind === PATH_EXACT) return replacePrefix(path, path, modifier.value);
  return modifier.value;
}
