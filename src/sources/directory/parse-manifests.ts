/**
 * Splits manifest text into documents, keeping enough position information to
 * report every later problem as `file:line`.
 *
 * Two parsers, on purpose: js-yaml is ~5x faster and reads the values, while
 * the `yaml` package (with its CST and line counter) runs only on the rare
 * document that needs positions (a reported issue) or carries anchors/aliases
 * (so alias expansion is bounded). YAML syntax errors become issues with their
 * line; the file's other documents are still returned.
 * @module
 */
import { CORE_SCHEMA, load as jsYamlLoad } from 'js-yaml';
import { isMap, isSeq, LineCounter, parseAllDocuments, parseDocument, type Document, type Node } from 'yaml';
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
// An anchor or alias token; such documents take the bounded slow path.
const ANCHOR_OR_ALIAS = /(^|[\s:[{,-])[&*][^\s,[\]{}]/m;

// YAML 1.2 core schema, as the `yaml` package uses: timestamps stay strings, no `<<` merges.
const fastLoad = (text: string): unknown => jsYamlLoad(text, { schema: CORE_SCHEMA });

/** One document's text in a file. */
export interface Chunk {
  readonly text: string;
  /** 1-based line of the chunk's first line in the file. */
  readonly startLine: number;
}

/** One chunk parsed: its documents (a list may hold several objects) and syntax issues. */
export interface ParsedChunk extends ParsedFile {
  readonly chunk: Chunk;
}

/** Parses one manifest file (YAML, multi-document; JSON is read as YAML). */
export function parseManifestFile(file: ManifestFile): ParsedFile {
  const chunks = parseManifestChunks(file, () => undefined);
  return { documents: chunks.flatMap((c) => c.documents), issues: chunks.flatMap((c) => c.issues) };
}

/**
 * Parses `file` document by document; `reuse(chunk)` may hand back the result of an earlier parse of
 * the very same text at the same line (a one-line edit of a 10,000-endpoint file re-parses the one
 * document it touched). A file with directives is one chunk, parsed whole.
 */
export function parseManifestChunks(file: ManifestFile, reuse: (chunk: Chunk) => ParsedChunk | undefined): ParsedChunk[] {
  // Directives (%YAML, %TAG) change how documents parse; leave them to the full parser.
  if (/^%/m.test(file.text)) {
    const whole = { text: file.text, startLine: 1 };
    return [{ chunk: whole, ...parseSlow(file, whole) }];
  }
  return splitDocuments(file.text).map((chunk) => reuse(chunk) ?? { chunk, ...parseChunk(file, chunk) });
}

function parseChunk(file: ManifestFile, chunk: Chunk): ParsedFile {
  if (ANCHOR_OR_ALIAS.test(chunk.text)) return parseSlow(file, chunk);
  let value: unknown;
  try {
    value = fastLoad(chunk.text);
  } catch (error) {
    // Let the precise parser word the error; fall back to js-yaml's message if it disagrees.
    const slow = parseSlow(file, chunk);
    return { documents: [], issues: slow.issues.some((i) => i.severity === 'error') ? slow.issues : [fastError(file, chunk, error)] };
  }
  const documents: RawDocument[] = [];
  if (value === null || value === undefined) return { documents, issues: [] };
  pushDocuments(documents, file.path, firstContentLine(chunk), value, lazyLineOf(chunk));
  return { documents, issues: [] };
}

/** Splits at column-0 `---` markers (never ambiguous in YAML: no scalar may start a line with them). */
export function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let start = 0;
  let startLine = 1;
  let current: string[] = [];
  let line = 1;
  let ended = false; // after a `...` marker, text until the next `---` is not part of a document
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const raw = text.slice(start, end);
    if (/^---(?=[ \t]|\r?$)/.test(raw)) {
      if (current.length) chunks.push({ text: current.join('\n'), startLine });
      current = [raw.slice(3)];
      startLine = line;
      ended = false;
    } else if (/^\.\.\.(?=[ \t]|\r?$)/.test(raw)) {
      ended = true;
    } else if (!ended) {
      if (current.length === 0) startLine = line;
      current.push(raw);
    }
    if (nl < 0) break;
    start = nl + 1;
    line++;
  }
  if (current.length) chunks.push({ text: current.join('\n'), startLine });
  return chunks;
}

function firstContentLine(chunk: Chunk): number {
  const lines = chunk.text.split('\n');
  const index = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return chunk.startLine + Math.max(0, index);
}

function lazyLineOf(chunk: Chunk): (path: FieldPath) => number {
  let located: ((path: FieldPath) => number) | undefined;
  return (path) => {
    if (!located) {
      const lineCounter = new LineCounter();
      const doc = parseDocument(chunk.text, { lineCounter }) as Document.Parsed;
      located = (p) => lineCounter.linePos(nodeFor(doc, p).range?.[0] ?? 0).line + chunk.startLine - 1;
    }
    return located(path);
  };
}

function pushDocuments(out: RawDocument[], file: string, line: number, value: unknown, lineOf: (path: FieldPath) => number): void {
  // A `v1` List is how kubectl bundles objects; expand it like kubectl apply does.
  if (isPlainObject(value) && value['kind'] === 'List' && value['apiVersion'] === 'v1' && Array.isArray(value['items'])) {
    value['items'].forEach((item: unknown, i: number) => {
      out.push({ file, line: lineOf(['items', i]), value: item, lineOf: (path) => lineOf(['items', i, ...path]) });
    });
    return;
  }
  out.push({ file, line, value, lineOf });
}

/** The full `yaml` parser: positions, bounded aliases, precise syntax errors. */
function parseSlow(file: ManifestFile, chunk: Chunk): ParsedFile {
  const lineCounter = new LineCounter();
  const issues: Issue[] = [];
  const documents: RawDocument[] = [];
  // An error at end of input sits just past the final newline; clamp it to the last real line.
  const lastLine = chunk.text.replace(/\n+$/, '').split('\n').length;
  const lineAt = (offset: number): number => Math.min(lineCounter.linePos(offset).line, lastLine) + chunk.startLine - 1;
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(chunk.text, { lineCounter, prettyErrors: false, uniqueKeys: true }) as Document.Parsed[];
  } catch (error) {
    return { documents, issues: [{ severity: 'error', file: file.path, line: chunk.startLine, message: `cannot parse: ${firstLine((error as Error).message)}` }] };
  }
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) issues.push({ severity: 'error', file: file.path, line: lineAt(error.pos[0]), message: `YAML syntax error: ${firstLine(error.message)}` });
      continue; // a broken document's content cannot be trusted; the others still count
    }
    for (const warning of doc.warnings) issues.push({ severity: 'warning', file: file.path, line: lineAt(warning.pos[0]), message: `YAML: ${firstLine(warning.message)}` });
    if (doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      issues.push({ severity: 'error', file: file.path, line: lineAt(doc.contents.range[0]), message: `cannot read document: ${firstLine((error as Error).message)}` });
      continue;
    }
    if (value === null || value === undefined) continue;
    pushDocuments(documents, file.path, lineAt(doc.contents.range[0]), value, (path) => lineAt(nodeFor(doc, path).range?.[0] ?? 0));
  }
  return { documents, issues };
}

function fastError(file: ManifestFile, chunk: Chunk, error: unknown): Issue {
  const e = error as { reason?: string; mark?: { line?: number }; message?: string };
  const line = chunk.startLine + (e.mark?.line ?? 0);
  return { severity: 'error', file: file.path, line, message: `YAML syntax error: ${e.reason ?? firstLine(e.message ?? String(error))}` };
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
