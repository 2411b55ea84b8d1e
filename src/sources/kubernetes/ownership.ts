/**
 * How the writer tells Lintas's objects from everyone else's, and whether a live object already
 * holds what Lintas would apply. Pure.
 *
 * An object is Lintas's only when it carries this instance's owner id as both label and annotation
 * AND its managedFields name the `lintas` field manager: a user's look-alike (same labels, even the
 * owner label copied) was written by another manager, so it is never updated or deleted.
 * @module
 */
import { APPLIED_HASH_ANNOTATION, LINTAS_FIELD_MANAGER, OWNER_ANNOTATION, OWNER_LABEL } from '../../api/index.ts';
import { canonicalJson, sha256hex } from '../../store/index.ts';

/** A live object as the API server returns it. */
export type LiveObject = Record<string, unknown> & {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
    readonly generation?: number;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly managedFields?: readonly { readonly manager?: string }[];
  };
};

/** A digest of an apply configuration (key order does not matter). */
export function appliedHash(body: unknown): string {
  return sha256hex(canonicalJson(body)).slice(0, 16);
}

/** The apply configuration with the owner label, owner annotation and the digest of the unmarked body. */
export function markOwned(body: Readonly<Record<string, unknown>>, owner: string): Record<string, unknown> {
  const metadata = (body['metadata'] ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
  return {
    ...body,
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, [OWNER_LABEL]: owner },
      annotations: { ...metadata.annotations, [OWNER_ANNOTATION]: owner, [APPLIED_HASH_ANNOTATION]: appliedHash(body) },
    },
  };
}

/** True when `live` was created by this Lintas instance (see the module comment). */
export function isLintasOwned(live: LiveObject, owner: string): boolean {
  const meta = live.metadata;
  return meta?.labels?.[OWNER_LABEL] === owner && meta.annotations?.[OWNER_ANNOTATION] === owner && (meta.managedFields ?? []).some((f) => f.manager === LINTAS_FIELD_MANAGER);
}

/**
 * The first field of `want` that `have` lacks or holds with another value (`.spec.ports[0].port`), or
 * undefined when `have` holds all of `want` (objects: a subset, so fields the server defaulted are
 * ignored; lists: the same length, item by item; an absent field holds `[]` and `{}`).
 */
export function difference(have: unknown, want: unknown, path = ''): string | undefined {
  if (want === undefined) return undefined;
  // The API server omits empty lists and objects (omitempty): an absent field holds `[]` and `{}`.
  if (have === undefined || have === null) {
    if (Array.isArray(want) && want.length === 0) return undefined;
    if (isPlainObject(want)) return Object.entries(want).map(([k, v]) => difference(undefined, v, `${path}.${k}`)).find((d) => d !== undefined);
    return path === '' ? '.' : path;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return path;
    return want.map((w, i) => difference(have[i], w, `${path}[${String(i)}]`)).find((d) => d !== undefined);
  }
  if (isPlainObject(want)) {
    if (!isPlainObject(have)) return path;
    return Object.entries(want).map(([k, v]) => difference(have[k], v, `${path}.${k}`)).find((d) => d !== undefined);
  }
  return have === want ? undefined : path;
}

/** True when `have` holds every field of `want` (see {@link difference}). */
export function contains(have: unknown, want: unknown): boolean {
  return difference(have, want) === undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Why `live` does not hold the marked apply configuration yet (a field path, or `applied-hash` when
 * Lintas last applied another body, so a field it dropped may linger), or undefined when it does.
 */
export function drift(live: LiveObject, marked: Readonly<Record<string, unknown>>): string | undefined {
  const hash = (marked['metadata'] as { annotations?: Record<string, string> } | undefined)?.annotations?.[APPLIED_HASH_ANNOTATION];
  if (hash === undefined || live.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] !== hash) return 'applied-hash';
  return difference(live, marked);
}
