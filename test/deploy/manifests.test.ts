/**
 * deploy/ read statically (no API server; test/kube/deploy.e2e.test.ts applies it to a real one):
 * RBAC without wildcards, hardened containers, flags the `lintas` CLI really has, and the install
 * documentation the issue asks for (README, CoreDNS stanza).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lintas } from '../../src/cli/test-cli.ts';
import { DEPLOY_DIR, deployManifests, type Manifest } from '../kube/manifests.ts';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Container = { name: string; args: string[]; securityContext?: Record<string, unknown>; resources?: { requests?: object; limits?: { memory?: string } }; readinessProbe?: { httpGet?: { path: string } }; livenessProbe?: { httpGet?: { path: string } } };
type PodSpec = { securityContext?: { runAsNonRoot?: boolean }; containers: Container[]; serviceAccountName?: string };
type Deployment = Manifest['object'] & { spec: { replicas: number; template: { spec: PodSpec } } };

const manifests = deployManifests();
const deployment = (name: string): Deployment => {
  const found = manifests.find((m) => m.object.kind === 'Deployment' && m.object.metadata.name === name);
  assert.ok(found, `deploy/ has Deployment ${name}`);
  return found.object as Deployment;
};

/** The `--flag` names a Deployment's container passes, without values. */
const flagsOf = (c: Container): string[] => c.args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0] ?? a);

describe('deploy/ manifests', () => {
  it('grants RBAC by name only: no wildcard group, resource or verb', () => {
    const roles = manifests.filter((m) => m.object.kind === 'ClusterRole' || m.object.kind === 'Role');
    assert.ok(roles.length >= 3);
    for (const { file, object } of roles) {
      for (const rule of object.rules as Rule[]) {
        for (const value of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) assert.ok(!value.includes('*'), `${file} ${object.metadata.name}: wildcard "${value}"`);
      }
    }
  });

  it('grants Secrets only by a Role in lintas-system (the remote-cluster Secrets), read-only, never cluster-wide', () => {
    const grants = manifests.filter((m) => (m.object.kind === 'ClusterRole' || m.object.kind === 'Role') && (m.object.rules as Rule[]).some((r) => r.resources.includes('secrets')));
    assert.deepEqual(grants.map((m) => `${m.object.kind} ${m.object.metadata.namespace ?? ''}/${m.object.metadata.name}`), ['Role lintas-system/lintas-remote-secrets']);
    assert.deepEqual((grants[0]?.object.rules as Rule[]).flatMap((r) => r.verbs).sort(), ['get', 'list', 'watch']);
  });

  it('puts every namespaced object in lintas-system', () => {
    for (const { file, object } of manifests) {
      if (['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(object.kind)) continue;
      assert.equal(object.metadata.namespace, 'lintas-system', `${file}: ${object.kind} ${object.metadata.name}`);
    }
  });

  it('runs every container as non-root, read-only, without privilege escalation or capabilities, with resources', () => {
    for (const { file, object } of manifests.filter((m) => m.object.kind === 'Deployment')) {
      const pod = (object as Deployment).spec.template.spec;
      for (const c of pod.containers) {
        const what = `${file} ${object.metadata.name}/${c.name}`;
        assert.equal(pod.securityContext?.runAsNonRoot ?? c.securityContext?.runAsNonRoot, true, `${what}: runAsNonRoot`);
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${what}: readOnlyRootFilesystem`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${what}: allowPrivilegeEscalation`);
        assert.deepEqual((c.securityContext?.capabilities as { drop?: string[] } | undefined)?.drop, ['ALL'], `${what}: capabilities`);
        assert.ok(c.resources?.requests !== undefined && c.resources.limits?.memory !== undefined, `${what}: requests and a memory limit`);
        assert.equal(c.readinessProbe?.httpGet?.path, '/readyz', `${what}: readiness on /readyz`);
        assert.equal(c.livenessProbe?.httpGet?.path, '/healthz', `${what}: liveness on /healthz`);
      }
    }
  });

  it('runs two control-plane replicas as the lintas ServiceAccount, with the store URL from a Secret', () => {
    const cp = deployment('lintas-control-plane');
    assert.equal(cp.spec.replicas, 2);
    assert.equal(cp.spec.template.spec.serviceAccountName, 'lintas');
    const [container] = cp.spec.template.spec.containers;
    assert.ok(container);
    assert.ok(container.args.includes('--store=$(LINTAS_STORE_URL)'));
    const env = (container as unknown as { env: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[] }).env;
    assert.equal(env.find((e) => e.name === 'LINTAS_STORE_URL')?.valueFrom?.secretKeyRef?.name, 'lintas-store');
    // The management cluster is the one it runs in: CRs, the leader Lease and remote-cluster Secrets through the service account.
    assert.ok(container.args.includes('--in-cluster'));
  });

  for (const [name, command] of [['lintas-control-plane', 'serve'], ['lintas-gateway', 'gateway']] as const) {
    it(`passes ${name} only flags that \`lintas ${command} --help\` lists`, async () => {
      const [container] = deployment(name).spec.template.spec.containers;
      assert.ok(container);
      assert.equal(container.args[0], command);
      const help = await lintas([command, '--help']);
      assert.equal(help.code, 0, help.stderr);
      const unknown = flagsOf(container).filter((flag) => !new RegExp(`(^|\\s)${flag}[\\s,]`, 'm').test(help.stdout));
      assert.deepEqual(unknown, [], `flags lintas ${command} does not have`);
    });
  }

  it('documents the install and the CoreDNS stanza that delegates clusterset.local to Lintas', () => {
    const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');
    assert.match(readme, /clusterset\.local(:53)? \{[^}]*forward \. /s);
    for (const file of ['namespace.yaml', 'rbac-member.yaml', 'rbac-management.yaml', 'control-plane.yaml', 'gateway.yaml']) assert.ok(readme.includes(file), `README mentions ${file}`);
  });
});
