/**
 * Splits manifest text into documents, keeping enough position information to
 * report every later problem as `file:line`. YAML syntax errors become issues
 * with their line; the file's other documents are still returned.
 * @module
 */
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Issue } from '../../api/index.ts';
import type { ManifestFile } from './read-tree.ts';

/** A path into a document: object keys and array indexes. */
export type FieldPath = readonly (string | number)[];

/** One parsed document with a way to find the line of any field inside it. */
export interface RawDocument {
  readonly file: string;
  /** 1-based line where the object starts. */
  readonly line: number;
  readonly value: unknown;
  /** The 1-based line of `path` in the file, or of its nearest existing parent. */
  readonly lineOf: (path: FieldPath) => number;
}

/** Parsed documents and the syntax issues of a file. */
export interface ParsedFile {
  readonly documents: readonly RawDocument[];
  readonly issues: readonly Issue[];
}

// Bounds alias expansion: a "billion laughs" manifest must fail, not eat the heap.
const MAX_ALIAS_COUNT = 100;

/** Parses one manifest file (YAML, multi-document; JSON is read as YAML). */
export function parseManifestFile(file: ManifestFile): ParsedFile {
  const lineCounter = new LineCounter();
  const issues: Issue[] = [];
  const documents: RawDocument[] = [];
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(file.text, { lineCounter, prettyErrors: false, uniqueKeys: true }) as Document.Parsed[];
  } catch (error) {
    return { documents, issues: [{ severity: 'error', file: file.path, line: 1, message: `cannot parse: ${(error as Error).message}` }] };
  }
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;

  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        issues.push({ severity: 'error', file: file.path, line: error.linePos?.[0].line ?? lineAt(error.pos[0]), message: `YAML syntax error: ${firstLine(error.message)}` });
      }
      continue; // a broken document's content cannot be trusted; the others still count
    }
    for (const warning of doc.warnings) {
      issues.push({ severity: 'warning', file: file.path, line: warning.linePos?.[0].line ?? lineAt(warning.pos[0]), message: `YAML: ${firstLine(warning.message)}` });
    }
    if (doc.contents === null) continue; // empty document (`---` alone, comments only)
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      issues.push({ severity: 'error', file: file.path, line: lineAt(doc.contents.range[0]), message: `cannot read document: ${firstLine((error as Error).message)}` });
      continue;
    }
    if (value === null || value === undefined) continue;
    const lineOf = (path: FieldPath): number => lineAt(nodeFor(doc, path).range?.[0] ?? 0);
    const base = { file: file.path, lineOf };
    // A `v1` List is how kubectl bundles objects; expand it like kubectl apply does.
    if (isPlainObject(value) && value['kind'] === 'List' && value['apiVersion'] === 'v1' && Array.isArray(value['items'])) {
      value['items'].forEach((item: unknown, i: number) => {
        documents.push({ ...base, line: lineOf(['items', i]), value: item, lineOf: (path) => lineOf(['items', i, ...path]) });
      });
      continue;
    }
    documents.push({ ...base, line: lineAt(doc.contents.range[0]), value });
  }
  return { documents, issues };
}

/** The deepest node on `path` that exists (a missing field is reported at its parent). */
function nodeFor(doc: Document.Parsed, path: FieldPath): Node {
  let node = doc.contents as Node;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth];
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const k = item.key as { value?: unknown } | null;
        return k !== null && typeof k === 'object' && String(k.value) === String(key);
      });
      // Point at the key: for nested maps the value starts on the next line.
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

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
