/**
 * Test helper (used only by the colocated tests): decodes YAML files the way the directory
 * source does, minus its file walk, keeping real line numbers for located issues.
 * @module
 */
import { isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Issue, Sourced } from '../api/index.ts';
import { decodeDocument } from './decode.ts';

/** A decoded fleet: objects, every decode issue, and a locator with real line numbers. */
export interface Decoded {
  readonly objects: Sourced[];
  readonly issues: Issue[];
  readonly locate: (s: Sourced, path: readonly (string | number)[]) => number;
}

/** Decodes YAML files the way the directory source does (minus its file walk), keeping real lines. */
export function decodeFleet(files: Readonly<Record<string, string>>): Decoded {
  const objects: Sourced[] = [];
  const issues: Issue[] = [];
  const lineOfBySourced = new Map<Sourced, (path: readonly (string | number)[]) => number>();
  for (const [file, text] of Object.entries(files)) {
    const lineCounter = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter }) as Document.Parsed[]) {
      // Like the directory source: a map entry is located at its key, a missing field at the deepest parent that exists.
      const lineOf = (path: readonly (string | number)[]): number => {
        let node: unknown = doc.contents;
        let found: unknown = node;
        for (const key of path) {
          if (isMap(node)) {
            const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
            if (!pair) break;
            found = pair.key;
            node = pair.value;
          } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
            node = found = node.items[key];
          } else break;
        }
        return isNode(found) && found.range ? lineCounter.linePos(found.range[0]).line : 1;
      };
      const result = decodeDocument({ file, line: lineOf([]), value: doc.toJS(), lineOf });
      issues.push(...result.issues);
      if (result.object) {
        objects.push(result.object);
        lineOfBySourced.set(result.object, lineOf);
      }
    }
  }
  return { objects, issues, locate: (s, path) => lineOfBySourced.get(s)?.(path) ?? s.origin.line };
}

