/**
 * Building, ordering and printing located issues.
 * @module
 */
import type { Issue, Sourced } from '../api/index.ts';

/** Formats a field path the way jq and kubectl explain do: `.spec.ports[0].port`, `.metadata.labels["a/b"]`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/** Reports an issue about an object, located at a field (`path`) or at the object itself (empty path). */
export type IssueAt = (s: Sourced, path: readonly (string | number)[], message: string, severity?: Issue['severity']) => void;

/** An {@link IssueAt} that appends to `issues`, finding a field's line with `locate`. */
export function issueAt(issues: Issue[], locate: (object: Sourced, path: readonly (string | number)[]) => number): IssueAt {
  return (s, path, message, severity = 'error') => {
    issues.push({
      severity,
      file: s.origin.file,
      line: path.length ? locate(s, path) : s.origin.line,
      kind: s.object.kind,
      namespace: s.object.metadata.namespace,
      name: s.object.metadata.name,
      field: path.length ? formatFieldPath(path) : undefined,
      message,
    });
  };
}

/** `Kind namespace/name`, `Kind name` or just `Kind`, as far as the object is identifiable. */
export function formatSubject(issue: Pick<Issue, 'kind' | 'namespace' | 'name'>): string {
  const id = issue.name ? (issue.namespace ? `${issue.namespace}/${issue.name}` : issue.name) : '';
  return [issue.kind, id].filter(Boolean).join(' ');
}

/** One line: `file:LINE: Kind ns/name: .field: message` (warnings say so after the location). */
export function formatIssue(issue: Issue): string {
  const location = issue.line > 0 ? `${issue.file}:${issue.line}` : issue.file;
  const parts = [location];
  if (issue.severity === 'warning') parts.push('warning');
  const subject = formatSubject(issue);
  if (subject) parts.push(subject);
  if (issue.field) parts.push(issue.field);
  parts.push(issue.message);
  return parts.join(': ');
}

/** Orders issues by file, line, then text, so output is stable whatever order checks ran in. */
export function compareIssues(a: Issue, b: Issue): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  const fa = formatIssue(a);
  const fb = formatIssue(b);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

/** Sorts and removes exact duplicates. */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  const sorted = [...issues].sort(compareIssues);
  return sorted.filter((issue, i) => i === 0 || formatIssue(issue) !== formatIssue(sorted[i - 1] as Issue));
}

/** True when any issue is an error. */
export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}
