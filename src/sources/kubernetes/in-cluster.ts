/**
 * In-cluster credentials (`serve --in-cluster`): the cluster Lintas runs in is reached as the
 * kubeconfig context {@link IN_CLUSTER_CONTEXT}, built as client-go's `rest.InClusterConfig` does
 * from `KUBERNETES_SERVICE_HOST`/`_PORT` and the projected service account token. The token is
 * referenced by file (client-node's `tokenFile` provider), never copied, so a rotated token is
 * picked up: it is re-read every minute, as client-go does.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { loadKubeconfig } from './client.ts';

/** The context name of the cluster Lintas runs in (name it in a Cluster's `lintas.dev/kubeconfig-context` annotation, or as `--management-context`). */
export const IN_CLUSTER_CONTEXT = 'in-cluster';

/** Where the kubelet mounts the service account's token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Options of {@link inClusterKubeConfig}; tests point both at a stand-in. */
export interface InClusterOptions {
  /** Default {@link SERVICE_ACCOUNT_DIR}. */
  readonly serviceAccountDir?: string;
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The in-cluster context and the pod's namespace; throws naming what is missing when not running in a pod. */
export function inClusterKubeConfig(options: InClusterOptions = {}): { kubeconfig: KubeConfig; namespace: string | undefined } {
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const env = options.env ?? process.env;
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (host === undefined || host === '' || port === undefined || port === '') throw new Error('in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (is this process running in a pod?)');
  for (const file of ['token', 'ca.crt']) {
    if (!existsSync(join(dir, file))) throw new Error(`in-cluster config: ${join(dir, file)} does not exist (is the service account token mounted? automountServiceAccountToken must not be false)`);
  }
  const namespaceFile = join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromOptions({
    clusters: [{ name: IN_CLUSTER_CONTEXT, server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: IN_CLUSTER_CONTEXT, authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } }],
    contexts: [{ name: IN_CLUSTER_CONTEXT, cluster: IN_CLUSTER_CONTEXT, user: IN_CLUSTER_CONTEXT, ...(namespace !== undefined ? { namespace } : {}) }],
    currentContext: IN_CLUSTER_CONTEXT,
  });
  return { kubeconfig, namespace };
}

/**
 * One kubeconfig of `kubeconfigPath`'s contexts plus, with `inCluster`, the {@link IN_CLUSTER_CONTEXT}
 * context (a file context of that name is replaced). Throws naming the file when it is unreadable.
 */
export function combinedKubeConfig(options: { kubeconfigPath?: string; inCluster?: InClusterOptions }): { kubeconfig: KubeConfig; namespace: string | undefined } {
  const kubeconfig = options.kubeconfigPath !== undefined ? loadKubeconfig(options.kubeconfigPath) : new KubeConfig();
  if (options.inCluster === undefined) return { kubeconfig, namespace: undefined };
  const local = inClusterKubeConfig(options.inCluster);
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...kubeconfig.getClusters().filter((c) => c.name !== IN_CLUSTER_CONTEXT), ...local.kubeconfig.getClusters()],
    users: [...kubeconfig.getUsers().filter((u) => u.name !== IN_CLUSTER_CONTEXT), ...local.kubeconfig.getUsers()],
    contexts: [...kubeconfig.getContexts().filter((c) => c.name !== IN_CLUSTER_CONTEXT), ...local.kubeconfig.getContexts()],
    currentContext: kubeconfig.getCurrentContext() || IN_CLUSTER_CONTEXT,
  });
  return { kubeconfig: merged, namespace: local.namespace };
}
