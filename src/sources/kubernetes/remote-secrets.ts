/**
 * Remote-cluster Secrets, as Istio's remote secrets: in the management cluster, Secrets in Lintas's
 * namespace labelled `lintas.dev/remote-cluster: "true"` hold one kubeconfig per data key, the key
 * being the cluster's name. Lintas watches them (a namespaced list/watch, so a Role in that one
 * namespace suffices) and starts, rotates and stops the member-cluster watches live. A bad key is
 * refused with an error naming the Secret and the key; the other clusters are not touched.
 *
 * A Secret's kubeconfig must carry its credentials inline: `exec`, `auth-provider` and file
 * references are refused, since whoever may write a Secret must not make Lintas run a command or
 * send a file of its own pod (its service account token) to a server of their choosing.
 * @module
 */
import { createHash } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { clusterName, type ClusterName } from '../../api/index.ts';
import { dns1123Label } from '../../lib/index.ts';
import type { KubeObject } from './informer.ts';
import type { KubeTransport } from './transport.ts';

/** The label that marks a Secret as holding remote clusters' kubeconfigs. */
export const REMOTE_CLUSTER_LABEL = 'lintas.dev/remote-cluster';

/** One member cluster reached through a Secret's kubeconfig. */
export interface RemoteCluster {
  readonly cluster: ClusterName;
  /** `namespace/name` of the Secret, and its data key. */
  readonly secret: string;
  readonly key: string;
  /** Only the key's current context, renamed after the cluster. */
  readonly kubeconfig: KubeConfig;
  /** A digest of the key's value: a changed one (a rotated credential) restarts the watch. */
  readonly digest: string;
}

/** A `transport` limited to one namespace and label selector: cluster-wide paths get `/namespaces/<ns>`, every request the selector. */
export function scopedTransport(transport: KubeTransport, namespace: string, labelSelector: string): KubeTransport {
  const scope = (path: string): string => path.replace(/\/([a-z0-9.]+)$/, `/namespaces/${encodeURIComponent(namespace)}/$1`);
  return {
    server: transport.server,
    list: (path, query, signal) => transport.list(scope(path), { ...query, labelSelector }, signal),
    watch: (path, query, onEvent, signal) => transport.watch(scope(path), { ...query, labelSelector }, onEvent, signal),
  };
}

const FILE_FIELDS = { cluster: ['caFile'], user: ['certFile', 'keyFile'] } as const;

/** One data key's kubeconfig, reduced to its current context renamed `cluster`; throws with what is wrong. */
function remoteKubeconfig(text: string, cluster: string): KubeConfig {
  const source = new KubeConfig();
  source.loadFromString(text);
  const name = source.getCurrentContext();
  const context = source.getContextObject(name);
  if (name === '' || context === null) throw new Error('has no current-context naming one of its contexts');
  const target = source.getCluster(context.cluster);
  const user = source.getUser(context.user);
  if (target === null || target.server === '') throw new Error(`context "${name}" names no cluster with a server`);
  if (user === null) throw new Error(`context "${name}" names no user`);
  for (const field of FILE_FIELDS.cluster) if (target[field] !== undefined) throw new Error(`cluster "${target.name}" refers to a file (${field}); a Secret's kubeconfig must carry certificate-authority-data inline`);
  for (const field of FILE_FIELDS.user) if (user[field] !== undefined) throw new Error(`user "${user.name}" refers to a file (${field}); use client-certificate-data and client-key-data`);
  if (user.exec !== undefined) throw new Error(`user "${user.name}" has an exec plugin; Lintas runs no command from a Secret: use a token`);
  if (user.authProvider !== undefined) throw new Error(`user "${user.name}" has an auth-provider; Lintas reads no credential file from a Secret: use a token`);
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromOptions({
    clusters: [{ ...target, name: cluster }],
    users: [{ ...user, name: cluster }],
    contexts: [{ name: cluster, cluster, user: cluster, ...(context.namespace !== undefined ? { namespace: context.namespace } : {}) }],
    currentContext: cluster,
  });
  return kubeconfig;
}

/**
 * The remote clusters of `secrets` (sorted by cluster) and the refused keys, each error naming the
 * Secret and the key. A cluster named by two keys is taken from the first Secret by name; the later
 * ones are refused.
 */
export function parseRemoteSecrets(secrets: readonly KubeObject[]): { clusters: RemoteCluster[]; errors: string[] } {
  const clusters = new Map<string, RemoteCluster>();
  const errors: string[] = [];
  const sorted = [...secrets].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const secret of sorted) {
    const ref = `${secret.metadata.namespace ?? ''}/${secret.metadata.name}`;
    const data = (secret['data'] ?? {}) as Record<string, unknown>;
    const keys = Object.keys(data).sort();
    if (keys.length === 0) errors.push(`Secret ${ref}: has no data keys; each key must be a cluster name holding its kubeconfig`);
    for (const key of keys) {
      const where = `Secret ${ref} key ${key}`;
      const bad = dns1123Label(key);
      if (bad !== undefined) {
        errors.push(`${where}: the key must be the cluster's name: ${bad}`);
        continue;
      }
      const first = clusters.get(key);
      if (first !== undefined) {
        errors.push(`${where}: cluster ${key} is already read from Secret ${first.secret}; this key is ignored`);
        continue;
      }
      const value = data[key];
      if (typeof value !== 'string') {
        errors.push(`${where}: is not a string`);
        continue;
      }
      const text = Buffer.from(value, 'base64').toString('utf8');
      try {
        clusters.set(key, { cluster: clusterName(key), secret: ref, key, kubeconfig: remoteKubeconfig(text, key), digest: createHash('sha256').update(text).digest('hex') });
      } catch (error) {
        errors.push(`${where}: not a usable kubeconfig: ${(error as Error).message}`);
      }
    }
  }
  return { clusters: [...clusters.values()].sort((a, b) => (a.cluster < b.cluster ? -1 : 1)), errors };
}
