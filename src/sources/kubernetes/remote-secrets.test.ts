import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { KubeObject } from './informer.ts';
import { parseRemoteSecrets, scopedTransport } from './remote-secrets.ts';
import type { KubeTransport } from './transport.ts';

const kubeconfig = (user: Record<string, unknown>, cluster: Record<string, unknown> = { server: 'https://10.0.0.1:6443', 'certificate-authority-data': 'Q0E=' }): string =>
  stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }], contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }], 'current-context': 'ctx' });
const secret = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'lintas-system' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) });

describe('parseRemoteSecrets', () => {
  it('each key is a cluster; its current context is kept, renamed after the cluster', () => {
    const { clusters, errors } = parseRemoteSecrets([secret('remote-sgp', { 'sgp-prod-1': kubeconfig({ token: 't0k' }) })]);
    assert.deepEqual(errors, []);
    assert.equal(clusters.length, 1);
    const [sgp] = clusters;
    assert.deepEqual([sgp?.cluster, sgp?.secret, sgp?.key, sgp?.kubeconfig.getCurrentContext(), sgp?.kubeconfig.getCurrentCluster()?.server, sgp?.kubeconfig.getCurrentUser()?.token], ['sgp-prod-1', 'lintas-system/remote-sgp', 'sgp-prod-1', 'sgp-prod-1', 'https://10.0.0.1:6443', 't0k']);
  });

  it('refuses, naming Secret and key, what is no kubeconfig, a bad key, credentials from files or commands, and a cluster named twice; the good keys stay', () => {
    const { clusters, errors } = parseRemoteSecrets([
      secret('b', {
        'jkt-prod-1': kubeconfig({ token: 'ok' }),
        Bad_Key: kubeconfig({ token: 'x' }),
        'tyo-prod-1': 'clusters: [not',
        'osa-1': kubeconfig({ tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', 'auth-provider': { name: 'tokenFile', config: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } } }),
        'kix-1': kubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'id'] } }),
        'hnd-1': kubeconfig({ token: 'x' }, { server: 'https://10.0.0.1', 'certificate-authority': '/etc/passwd' }),
      }),
      secret('a', { 'jkt-prod-1': kubeconfig({ token: 'first' }) }),
    ]);
    assert.deepEqual(clusters.map((c) => [c.cluster, c.secret]), [['jkt-prod-1', 'lintas-system/a']]);
    const expected = [
      /^Secret lintas-system\/b key Bad_Key: the key must be the cluster's name: /,
      /^Secret lintas-system\/b key hnd-1: not a usable kubeconfig: cluster "c" refers to a file \(caFile\)/,
      /^Secret lintas-system\/b key jkt-prod-1: cluster jkt-prod-1 is already read from Secret lintas-system\/a; this key is ignored$/,
      /^Secret lintas-system\/b key kix-1: not a usable kubeconfig: user "u" has an exec plugin; Lintas runs no command from a Secret/,
      /^Secret lintas-system\/b key osa-1: not a usable kubeconfig: user "u" has an auth-provider/,
      /^Secret lintas-system\/b key tyo-prod-1: not a usable kubeconfig: /,
    ];
    assert.equal(errors.length, expected.length, errors.join('\n'));
    expected.forEach((pattern, i) => assert.match(errors[i] ?? '', pattern));
  });
});

describe('scopedTransport', () => {
  it('lists and watches only its namespace, with the label selector', async () => {
    const calls: string[] = [];
    const inner: KubeTransport = {
      server: 's',
      list: async (path, query) => (calls.push(`${path}?${new URLSearchParams(query as Record<string, string>).toString()}`), {}),
      watch: async (path, query) => (calls.push(`${path}?${new URLSearchParams(query as Record<string, string>).toString()}`), { ended: Promise.resolve() }),
    };
    const scoped = scopedTransport(inner, 'lintas-system', 'lintas.dev/remote-cluster=true');
    await scoped.list('/api/v1/secrets', { limit: '500' }, new AbortController().signal);
    await scoped.watch('/api/v1/secrets', { resourceVersion: '5' }, () => undefined, new AbortController().signal);
    assert.deepEqual(calls, ['/api/v1/namespaces/lintas-system/secrets?limit=500&labelSelector=lintas.dev%2Fremote-cluster%3Dtrue', '/api/v1/namespaces/lintas-system/secrets?resourceVersion=5&labelSelector=lintas.dev%2Fremote-cluster%3Dtrue']);
  });
});
