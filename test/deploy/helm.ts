/**
 * Test helper: the helm binary scripts/build-helm.sh builds (cached outside the repo), runs of it on
 * the chart in deploy/helm/lintas, and the comparison of a render with deploy/'s plain manifests
 * (the source of truth) that names every object and field that differs.
 * @module
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO } from '../../src/cli/test-cli.ts';
import type { Manifest } from '../kube/manifests.ts';

/** The pinned release (the build script's default). */
export const HELM_VERSION = process.env.LINTAS_HELM_VERSION ?? 'v4.3.2';

/** Where scripts/build-helm.sh caches the binary of {@link HELM_VERSION}. */
export const HELM_BIN = join(process.env.LINTAS_HELM_CACHE ?? join(homedir(), '.cache', 'lintas', 'helm'), HELM_VERSION, 'helm');

/** The chart. */
export const CHART_DIR = join(REPO, 'deploy', 'helm', 'lintas');

/** The namespace deploy/ installs into, and so the release namespace the default render is compared in. */
export const DEPLOY_NAMESPACE = 'lintas-system';

/** Why the chart's tests cannot run here (a skip reason), or undefined when they can. */
export function helmMissing(): string | undefined {
  try {
    accessSync(HELM_BIN, constants.X_OK);
    return undefined;
  } catch {
    return `helm ${HELM_VERSION} is not built (looked in ${HELM_BIN}); run scripts/build-helm.sh (.ci/run does)`;
  }
}

/** What one helm run printed and returned. */
export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `helm args` in the repo, with `env` added (e.g. HELM_*_HOME); never rejects: the exit code says. */
export function helm(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<HelmResult> {
  return new Promise((done) => {
    execFile(HELM_BIN, [...args], { cwd: REPO, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      done({ code, stdout, stderr });
    });
  });
}

/** Options of a render: the release namespace and `--set` / `--set-json` values. */
export interface RenderOptions {
  readonly namespace?: string;
  readonly set?: readonly string[];
  readonly setJson?: readonly string[];
}

/** `helm template lintas <chart> --include-crds` as objects, each named by the template it came from. */
export async function renderChart(options: RenderOptions = {}, chart = CHART_DIR): Promise<Manifest[]> {
  const args = ['template', 'lintas', chart, '--include-crds', '--namespace', options.namespace ?? DEPLOY_NAMESPACE];
  for (const s of options.set ?? []) args.push('--set', s);
  for (const s of options.setJson ?? []) args.push('--set-json', s);
  const result = await helm(args);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${String(result.code)}: ${result.stderr}`);
  return parseRender(result.stdout);
}

/** Splits helm's output into objects; helm heads each document with `# Source: <chart>/<template>`. */
export function parseRender(text: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors.map(String).join('; ')}`);
    const object = doc.toJS() as Manifest['object'] | null;
    // The comment heads the document's contents (its first node), not the document.
    const comment = `${doc.commentBefore ?? ''}\n${(doc.contents as { commentBefore?: string | null } | null)?.commentBefore ?? ''}`;
    const source = /^\s*Source: (.*)$/m.exec(comment)?.[1] ?? '(helm output)';
    return object === null ? [] : [{ file: source.trim(), object }];
  });
}

/** `Kind namespace/name`: how an object is matched between deploy/ and a render. */
export const objectKey = (o: Manifest['object']): string => `${o.kind} ${o.metadata.namespace === undefined ? '' : `${o.metadata.namespace}/`}${o.metadata.name}`;

/** Annotations the chart adds for Helm itself (e.g. helm.sh/resource-policy), not in deploy/. */
const HELM_ANNOTATION = /^helm\.sh\//;

function withoutHelmAnnotations(o: Manifest['object']): Manifest['object'] {
  type Metadata = Manifest['object']['metadata'] & { annotations?: Record<string, string> };
  const { annotations = {}, ...metadata } = o.metadata as Metadata;
  const kept = Object.entries(annotations).filter(([k]) => !HELM_ANNOTATION.test(k));
  return { ...o, metadata: kept.length > 0 ? ({ ...metadata, annotations: Object.fromEntries(kept) } as Metadata) : metadata };
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'absent';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/**
 * Every field where `a` and `b` differ, as `.spec.template.spec.containers[0].args: … vs …` lines.
 * Lists of another length differ as a whole (an inserted flag would shift every later index).
 */
export function fieldDifferences(a: unknown, b: unknown, path = ''): { path: string; a: unknown; b: unknown }[] {
  const here = [{ path: path === '' ? '(whole object)' : path, a, b }];
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return here;
    return a.flatMap((item, i) => fieldDifferences(item, b[i], `${path}[${String(i)}]`));
  }
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) => fieldDifferences(a[k], b[k], `${path}.${k}`));
  }
  return a === b ? [] : here;
}

/**
 * Every difference between the expected objects (deploy/) and a render, one line each, naming the
 * object, the files and the field with both values: what the lead needs to sync the chart.
 */
export function renderDifferences(expected: readonly Manifest[], rendered: readonly Manifest[]): string[] {
  const byKey = (list: readonly Manifest[]): Map<string, Manifest> => new Map(list.map((m) => [objectKey(m.object), m]));
  const want = byKey(expected);
  const have = byKey(rendered);
  const out: string[] = [];
  for (const [key, m] of want) if (!have.has(key)) out.push(`${key} (${m.file}): missing from the chart's render`);
  for (const [key, m] of have) if (!want.has(key)) out.push(`${key} (${m.file}): rendered by the chart, not in deploy/`);
  for (const [key, w] of want) {
    const h = have.get(key);
    if (h === undefined) continue;
    for (const d of fieldDifferences(w.object, withoutHelmAnnotations(h.object))) {
      if (Array.isArray(d.a) && Array.isArray(d.b)) {
        // Lists of another length: the items only one side has (e.g. the flag just added to deploy/).
        const only = (x: unknown[], y: unknown[]): unknown[] => x.filter((item) => !y.some((other) => JSON.stringify(other) === JSON.stringify(item)));
        out.push(`${key} ${d.path}: ${show(only(d.a, d.b))} only in ${w.file}, ${show(only(d.b, d.a))} only in ${h.file}`);
      } else {
        out.push(`${key} ${d.path}: ${show(d.a)} in ${w.file}, ${show(d.b)} in ${h.file}`);
      }
    }
  }
  return out.sort();
}
