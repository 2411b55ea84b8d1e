/**
 * Test harness: the real API servers of src/sandbox/kube/api-servers.ts (one etcd and three
 * kube-apiservers on loopback, as `lintas up --kube` runs them), plus the upstream CRDs the tests
 * install. Every key is a THROWAWAY TEST FIXTURE in a temp dir, removed by `stop()`.
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCrds, KUBE_CLUSTERS, type KubeApiServer, type KubeFleet } from '../../src/sandbox/kube/api-servers.ts';

export { KUBE_BIN_DIR, KUBE_VERSION, kubeBinariesMissing, startKubeFleet, type KubeFleetOptions } from '../../src/sandbox/kube/api-servers.ts';

/** The three clusters of the test fleet (the sandbox's). */
export const TEST_CLUSTERS = KUBE_CLUSTERS;
/** One running kube-apiserver. */
export type TestApiServer = KubeApiServer;
/** A running test fleet. */
export type TestKubeFleet = KubeFleet;

/** The upstream CRDs the tests install (test data, never copied into the repo): `../shared/crds` beside the repo. */
export const SHARED_CRDS_DIR = process.env.LINTAS_SHARED_CRDS ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'crds');

/**
 * The CRD manifests the tests install: the upstream MCS ones and the Gateway API standard channel
 * under {@link SHARED_CRDS_DIR} (test data beside the checkout). Where that folder is absent (a
 * clone on its own), the MCS CRDs are Lintas's own from deploy/crds (the deploy tests compare them
 * with upstream field by field) and the Gateway API kinds are simply not served, which the
 * Kubernetes source reads as empty.
 */
export function sharedCrdFiles(): string[] {
  const mcs = join(SHARED_CRDS_DIR, 'mcs-api');
  const gateway = join(SHARED_CRDS_DIR, 'gateway-api', 'standard');
  const list = (d: string): string[] => readdirSync(d).filter((f) => /^[a-z].*\.ya?ml$/.test(f) && f.includes('_') && !f.includes('_vap_')).sort().map((f) => join(d, f));
  if (existsSync(mcs)) return [...list(mcs), ...(existsSync(gateway) ? list(gateway) : [])];
  const own = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'crds');
  return list(own).filter((f) => f.includes('multicluster.x-k8s.io'));
}

/** Installs every shared CRD into `cluster` by server-side apply and waits until each is Established. */
export function installSharedCrds(fleet: TestKubeFleet, cluster: string): Promise<string[]> {
  return installCrds(fleet, cluster, sharedCrdFiles(), 'lintas-test');
}
