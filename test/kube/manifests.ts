/**
 * Test helper: the manifests of deploy/ and of the example fleet as documents, and server-side
 * apply of any of them to a test API server, the REST path found through API discovery (as kubectl
 * finds it), so a manifest of any kind can be applied without a table of kinds here.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO } from '../../src/cli/test-cli.ts';
import { waitFor } from '../wait.ts';
import type { TestKubeFleet } from './fleet.ts';

/** One Kubernetes object of a manifest file. */
export interface Manifest {
  readonly file: string;
  readonly object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [field: string]: unknown };
}

/** deploy/ of this checkout. */
export const DEPLOY_DIR = join(REPO, 'deploy');

/** deploy/'s Helm chart: templates, not manifests (test/deploy/helm.test.ts renders and compares it). */
export const DEPLOY_HELM_DIR = join(DEPLOY_DIR, 'helm');

/** Every object in the YAML files of `dir` (recursively, sorted by path, none under `skip`), named by its file relative to the repo. */
export function manifestsIn(dir: string, skip?: string): Manifest[] {
  const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as { name: string; parentPath: string; isFile(): boolean }[])
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => skip === undefined || !file.startsWith(`${skip}${sep}`))
    .sort();
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map(String).join('; ')}`);
      const object = doc.toJS() as Manifest['object'] | null;
      return object === null ? [] : [{ file: relative(REPO, file), object }];
    }),
  );
}

/** Manifests in install order: CRDs, then Namespaces (others live in them), then the rest as given. */
export function inInstallOrder(manifests: readonly Manifest[]): Manifest[] {
  const rank = (m: Manifest): number => (m.object.kind === 'CustomResourceDefinition' ? 0 : m.object.kind === 'Namespace' ? 1 : 2);
  return [...manifests].sort((a, b) => rank(a) - rank(b));
}

/** The deploy/ manifests in install order (by file within each rank). */
export function deployManifests(): Manifest[] {
  return inInstallOrder(manifestsIn(DEPLOY_DIR, DEPLOY_HELM_DIR));
}

type Resource = { name: string; kind: string; namespaced: boolean };
const discovery = new Map<string, Resource[]>();

/** The REST path of a manifest's object (its collection when `collection`), through discovery. */
export async function restPath(fleet: TestKubeFleet, cluster: string, object: Manifest['object'], collection = false): Promise<string> {
  const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const key = `${cluster} ${base}`;
  let resources = discovery.get(key);
  const find = (): Resource | undefined => resources?.find((r) => r.kind === object.kind && !r.name.includes('/'));
  if (find() === undefined) {
    // Not cached, or a CRD installed since: ask again (a CRD's resource appears once it is Established).
    const { status, body } = await fleet.request(cluster, 'GET', base);
    if (status !== 200) throw new Error(`discovery of ${object.apiVersion} in ${cluster}: ${String(status)} ${JSON.stringify(body)}`);
    resources = (body as { resources: Resource[] }).resources;
    discovery.set(key, resources);
  }
  const resource = find();
  if (resource === undefined) throw new Error(`${cluster} does not serve ${object.kind} in ${object.apiVersion}`);
  const ns = resource.namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
  return `${base}${ns}/${resource.name}${collection ? '' : `/${object.metadata.name}`}`;
}

/** Server-side apply (field manager `lintas`, unknown fields refused), for real or as `dryRun=All`. */
export async function apply(fleet: TestKubeFleet, cluster: string, object: Manifest['object'], options: { dryRun: boolean }): Promise<{ status: number; body: unknown }> {
  const query = `fieldManager=lintas&fieldValidation=Strict&force=true${options.dryRun ? '&dryRun=All' : ''}`;
  return fleet.request(cluster, 'PATCH', `${await restPath(fleet, cluster, object)}?${query}`, object, 'application/apply-patch+yaml');
}

/** Waits until the CRD `name` is Established in `cluster`. */
export async function waitEstablished(fleet: TestKubeFleet, cluster: string, name: string): Promise<void> {
  await waitFor(`CRD ${name} Established in ${cluster}`, async () => {
    const { body } = await fleet.request(cluster, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const conditions = (body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
    return conditions.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
}
