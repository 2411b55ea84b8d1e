/**
 * Converts a zod schema into a Kubernetes *structural* openAPIV3Schema, the form a
 * CustomResourceDefinition must carry (apiextensions.k8s.io/v1): every field typed, no `$ref`,
 * no `type`, `default`, `nullable` or `additionalProperties` inside `anyOf`/`oneOf`, and
 * `x-kubernetes-preserve-unknown-fields` only where a field really holds arbitrary data.
 *
 * The input is zod's own JSON Schema export (`z.toJSONSchema`, OpenAPI 3.0 target, input side so
 * defaulted fields are optional and carry their default). Refinements (`superRefine`) have no JSON
 * Schema form: they stay Lintas's own validation, which the API server does not repeat.
 * @module
 */
import { z } from 'zod';

/** An OpenAPI v3 schema node as a CRD carries it (plain JSON). */
export type OpenApiSchema = { [keyword: string]: unknown };

/** Keywords copied as they are (their values are plain data, not sub-schemas). */
const PLAIN = new Set(['type', 'description', 'default', 'enum', 'format', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'required', 'multipleOf', 'nullable']);

/** Keywords dropped: JSON Schema bookkeeping, or constraints CRDs do not allow. */
const DROPPED = new Set(['$schema', 'propertyNames', 'uniqueItems', 'title', 'examples', 'id']);

/** zod's bounds for `z.int()`; they say "a safe integer", not a limit a user chose. */
const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/** A schema construct with no structural form, named by its path in the schema. */
export class StructuralSchemaError extends Error {
  /** `path` is the dotted field path, e.g. `.spec.from`. */
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path || '.'}: ${message}`);
    this.name = 'StructuralSchemaError';
  }
}

/** The structural openAPIV3Schema of a zod schema (its input side: what a user may write). */
export function structuralSchemaOf(schema: z.ZodType, path = ''): OpenApiSchema {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'throw', cycles: 'throw', reused: 'inline' });
  return toStructural(json as OpenApiSchema, path);
}

/** Converts one JSON Schema node (OpenAPI 3.0 flavour) to its structural form. */
export function toStructural(node: OpenApiSchema, path: string): OpenApiSchema {
  if ('$ref' in node) throw new StructuralSchemaError(path, '$ref is not allowed in a CRD schema; inline the schema');
  if ('allOf' in node || 'not' in node || 'oneOf' in node) throw new StructuralSchemaError(path, `${Object.keys(node).filter((k) => ['allOf', 'not', 'oneOf'].includes(k)).join(', ')} has no structural conversion here`);
  if (Array.isArray(node.anyOf)) return fromUnion(node, node.anyOf as OpenApiSchema[], path);
  // `z.unknown()` / `z.any()`: any JSON value, kept as written (the one case with no type).
  if (Object.keys(node).every((k) => k === 'description' || k === 'default')) return { ...node, 'x-kubernetes-preserve-unknown-fields': true };

  const out: OpenApiSchema = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (DROPPED.has(keyword)) continue;
    if (keyword === 'const') out.enum = [value];
    else if (keyword === 'properties') {
      if (Object.keys(value as object).length > 0) out.properties = mapProperties(value as Record<string, OpenApiSchema>, path);
    }
    else if (keyword === 'items') out.items = toStructural(value as OpenApiSchema, `${path}[]`);
    else if (keyword === 'additionalProperties') continue; // decided below, with the properties in view
    else if (keyword === 'minimum' || keyword === 'maximum') {
      if (!(node.type === 'integer' && SAFE_INTEGER_BOUNDS.has(value as number))) out[keyword] = value;
    } else if (PLAIN.has(keyword)) out[keyword] = value;
    else throw new StructuralSchemaError(path, `JSON Schema keyword "${keyword}" has no CRD conversion`);
  }
  if (out.type === 'object') {
    const extra = node.additionalProperties;
    const typedExtra = typeof extra === 'object' && extra !== null && Object.keys(extra).length > 0;
    if (typedExtra) {
      // A map (labels, weights by cluster): its values are typed.
      if (out.properties !== undefined) throw new StructuralSchemaError(path, 'an object with both properties and typed additionalProperties is not allowed in a CRD');
      out.additionalProperties = toStructural(extra as OpenApiSchema, `${path}[*]`);
    } else if (out.properties === undefined) {
      // Free-form data: nothing to prune against.
      out['x-kubernetes-preserve-unknown-fields'] = true;
    }
    // A loose zod object (`{}` additionalProperties) becomes a pruned CRD object: the API server
    // drops fields Lintas does not know, and `kubectl --validate=strict` names them.
  }
  if (out.type === undefined) throw new StructuralSchemaError(path, 'every field of a CRD schema needs a type');
  // `type` and `description` first: the generated YAML reads like a hand-written CRD.
  const { type, description, ...rest } = out;
  return { type, ...(description !== undefined ? { description } : {}), ...rest };
}

function mapProperties(properties: Record<string, OpenApiSchema>, path: string): Record<string, OpenApiSchema> {
  const out: Record<string, OpenApiSchema> = {};
  for (const name of Object.keys(properties)) out[name] = toStructural(properties[name] as OpenApiSchema, `${path}.${name}`);
  return out;
}

/** `anyOf`: nullable, int-or-string, a one-of-several-shapes field, or an error. */
function fromUnion(node: OpenApiSchema, branches: OpenApiSchema[], path: string): OpenApiSchema {
  const outer = Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'anyOf'));
  const nonNull = branches.filter((b) => b.type !== 'null');
  const nullable = nonNull.length < branches.length || outer.nullable === true;
  delete outer.nullable;
  if (nonNull.length === 1) return toStructural({ ...outer, ...nonNull[0], ...(nullable ? { nullable: true } : {}) }, path);
  const types = [...new Set(nonNull.map((b) => b.type))].sort();
  const extras: OpenApiSchema = { ...(typeof outer.description === 'string' ? { description: outer.description } : {}), ...('default' in outer ? { default: outer.default } : {}), ...(nullable ? { nullable: true } : {}) };
  if (types.length === 2 && types[0] === 'integer' && types[1] === 'string') return { ...extras, 'x-kubernetes-int-or-string': true };
  if (types.length === nonNull.length && types.every((t) => typeof t === 'string' && t !== 'object')) {
    // One of several JSON types (e.g. a cluster name or a list of them): a structural schema cannot
    // type such a field, and the API server cannot compile a CEL rule on an untyped one, so its value
    // is kept as written and checked by Lintas alone; the description says what it takes.
    const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
    const described = `${typeof outer.description === 'string' ? `${outer.description} ` : ''}(${types.map((t) => article(String(t))).join(' or ')}; not checked by the API server)`;
    return { ...extras, description: described, 'x-kubernetes-preserve-unknown-fields': true };
  }
  throw new StructuralSchemaError(path, `a union of ${types.map(String).join(', ')} has no structural form; use one type, or one type per field`);
}
