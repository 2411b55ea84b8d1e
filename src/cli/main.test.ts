/**
 * In-process tests of the `lintas` CLI: `run(argv, io)` with a capturing io,
 * the repository root as cwd and an empty environment, so every test sees
 * exactly the exit code, stdout and stderr a user would.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { run } from './main.ts';
import { capture, lintas, REPO, type CliResult } from './test-cli.ts';

const CAPSTONE = join(REPO, 'examples/capstone');
const CONFIG = ['--config', 'examples/capstone'];
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };

const show = (r: CliResult): string => `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'lintas-cli-'));
  roots.push(root);
  return root;
}

function fixture(files: Record<string, string>): string {
  const root = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** A fleet with one mistake of each sort, in several files. */
const BAD_FLEET = {
  'fleet/clusters.yaml': ['apiVersion: lintas.dev/v1alpha1', 'kind: Cluster', 'metadata:', '  name: east-1', 'spec:', '  region: us-east-1', '  podCIDRs: [10.1.0.0/33]', ''].join('\n'),
  'clusters/east-1/services.yaml': [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    '  namespace: default',
    'spec:',
    '  ports:',
    '    - port: 70000', // 8
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: Bad_Name', // 13
    'spec:',
    '  ports:',
    '    - port: 80',
    '',
  ].join('\n'),
  'clusters/east-1/endpointslices.yaml': [
    'apiVersion: discovery.k8s.io/v1',
    'kind: EndpointSlice',
    'metadata:',
    '  name: web-1',
    '  labels:',
    '    kubernetes.io/service-name: web',
    'addressType: IPv4',
    'endpoints:',
    '  - addresses:',
    '      - 10.1.0.7',
    '      - 10.0.0.300', // 11
    '',
  ].join('\n'),
  'clusters/east-1/routes.yaml': [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: HTTPRoute',
    'metadata:',
    '  name: web',
    'spec:',
    '  rules:',
    '    - matches:',
    '        - path:',
    '            type: Prefix', // 9
    '            value: /',
    '',
  ].join('\n'),
  'clusters/east-1/namespaces.yaml': ['apiVersion: v1', 'kind: Namespace', 'metadata: { name: oops', ''].join('\n'),
  'clusters/orphan/services.yaml': ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', 'spec:', '  ports:', '    - port: 80', ''].join('\n'),
};

/**
 * What `validate` must print for BAD_FLEET, in this order (by file, then line).
 * The subject may or may not spell out the defaulted namespace (`default/`).
 */
const BAD_FLEET_ISSUES = [
  /^clusters\/east-1\/endpointslices\.yaml:11: EndpointSlice (default\/)?web-1: \.endpoints\[0\]\.addresses\[1\]: must be a valid IPv4 address, got "10\.0\.0\.300"$/,
  /^clusters\/east-1\/namespaces\.yaml:[34]: YAML syntax error: /,
  /^clusters\/east-1\/routes\.yaml:9: HTTPRoute (default\/)?web: \.spec\.rules\[0\]\.matches\[0\]\.path\.type: must be one of "Exact", "PathPrefix", "RegularExpression"; got "Prefix"$/,
  /^clusters\/east-1\/services\.yaml:8: Service default\/web: \.spec\.ports\[0\]\.port: must be at most 65535, got 70000$/,
  /^clusters\/east-1\/services\.yaml:13: Service (default\/)?Bad_Name: \.metadata\.name: a DNS-1035 label must consist of lower case alphanumeric characters/,
  // A folder-level issue: it has no line to point at.
  /^clusters\/orphan\/: cluster folder has no Cluster object named "orphan"/,
  /^fleet\/clusters\.yaml:7: Cluster east-1: \.spec\.podCIDRs\[0\]: must be a valid CIDR \(e\.g\. 10\.0\.0\.0\/16\), got "10\.1\.0\.0\/33"$/,
];

/** `file:LINE: ...` → [file, line]; a folder-level `dir/: ...` issue is line 0. */
function location(line: string): [string, number] {
  const m = /^([^:]+?)(?::(\d+))?: /.exec(line);
  assert.ok(m, `not a located issue: ${line}`);
  return [m[1] ?? '', Number(m[2] ?? 0)];
}

function assertIssueLines(actual: readonly string[], expected: readonly RegExp[]): void {
  assert.equal(actual.length, expected.length, `expected ${expected.length} issue lines, got:\n${actual.join('\n')}`);
  expected.forEach((e, i) => assert.match(actual[i] ?? '', e));
  for (let i = 1; i < actual.length; i++) {
    const [fa, la] = location(actual[i - 1] ?? '');
    const [fb, lb] = location(actual[i] ?? '');
    assert.ok(fa < fb || (fa === fb && la <= lb), `issues sorted by file, then line: ${actual[i - 1]} before ${actual[i]}`);
  }
}

describe('lintas validate', () => {
  it('accepts the capstone fleet: exit 0, empty stdout, a valid summary on stderr', async () => {
    const r = await lintas(['validate', 'examples/capstone']);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^examples\/capstone: valid: 3 cluster\(s\), \d+ object\(s\) in \d+ file\(s\); 0 error\(s\), 0 warning\(s\) \(\d+ ms\)\n$/);
  });

  it('reports every mistake of a broken fleet as sorted file:LINE lines, exit 1', async () => {
    const root = fixture(BAD_FLEET);
    const r = await lintas(['validate', root]);
    assert.equal(r.code, 1, show(r));
    assertIssueLines(lines(r.stdout), BAD_FLEET_ISSUES);
    assert.match(r.stderr, /: INVALID: .* 7 error\(s\), 0 warning\(s\)/);
  });

  it('prints only the issues with -q', async () => {
    const r = await lintas(['validate', '-q', fixture(BAD_FLEET)]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    assert.equal(lines(r.stdout).length, BAD_FLEET_ISSUES.length);
  });

  it('prints a parseable JSON report with -o json', async () => {
    const r = await lintas(['validate', fixture(BAD_FLEET), '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    const report = JSON.parse(r.stdout) as { valid: boolean; errors: number; warnings: number; issues: { severity: string; file: string; line: number; text: string }[]; clusters: string[] };
    assert.equal(report.valid, false);
    assert.equal(report.errors, 7);
    assert.equal(report.warnings, 0);
    assertIssueLines(
      report.issues.map((i) => i.text),
      BAD_FLEET_ISSUES,
    );
    const port = report.issues.find((i) => i.text.includes('70000'));
    assert.deepEqual({ severity: port?.severity, file: port?.file, line: port?.line }, { severity: 'error', file: 'clusters/east-1/services.yaml', line: 8 });
    assert.equal(r.stderr, '', 'no summary line: stdout is the report');
  });

  it('prints valid:true JSON for the capstone', async () => {
    const r = await lintas(['validate', 'examples/capstone', '-o', 'json']);
    assert.equal(r.code, 0, show(r));
    const report = JSON.parse(r.stdout) as { fleet: string; valid: boolean; issues: unknown[]; clusters: string[] };
    assert.deepEqual({ fleet: report.fleet, valid: report.valid, issues: report.issues, clusters: report.clusters }, { fleet: 'examples/capstone', valid: true, issues: [], clusters: ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'] });
  });

  it('exits 2 for a missing directory, an unknown flag, an unknown command or output format', async () => {
    const missing = await lintas(['validate', 'does/not/exist']);
    assert.equal(missing.code, 2, show(missing));
    assert.match(missing.stderr, /fleet directory .*does\/not\/exist does not exist/);
    assert.equal(missing.stdout, '');

    const flag = await lintas(['validate', '--bogus', 'examples/capstone']);
    assert.equal(flag.code, 2, show(flag));
    assert.match(flag.stderr, /unknown option '--bogus'/);

    const command = await lintas(['frobnicate']);
    assert.equal(command.code, 2, show(command));
    assert.match(command.stderr, /unknown command 'frobnicate'/);

    const format = await lintas(['validate', 'examples/capstone', '-o', 'xml']);
    assert.equal(format.code, 2, show(format));
  });

  it('uses $LINTAS_CONFIG, then ./fleet, when no directory is given', async () => {
    const env = await lintas(['validate'], { env: { LINTAS_CONFIG: 'examples/capstone' } });
    assert.equal(env.code, 0, show(env));
    assert.match(env.stderr, /^examples\/capstone: valid: 3 cluster\(s\)/);

    const empty = tempDir();
    const noFleet = await lintas(['validate'], { cwd: empty });
    assert.equal(noFleet.code, 2, show(noFleet));
    assert.match(noFleet.stderr, /fleet directory .*\/fleet does not exist \(set --config or \$LINTAS_CONFIG\)/);

    cpSync(CAPSTONE, join(empty, 'fleet'), { recursive: true });
    const withFleet = await lintas(['validate'], { cwd: empty });
    assert.equal(withFleet.code, 0, show(withFleet));
    assert.match(withFleet.stderr, /^fleet: valid: 3 cluster\(s\)/);
  });
});

describe('lintas get', () => {
  it('prints clusters as a v1 List with -o json', async () => {
    const r = await lintas(['get', 'clusters', ...CONFIG, '-o', 'json']);
    assert.equal(r.code, 0, show(r));
    const list = JSON.parse(r.stdout) as { apiVersion: string; kind: string; items: { kind: string; metadata: { name: string; annotations: Record<string, string> }; spec: { region: string; podCIDRs: string[] } }[] };
    assert.equal(list.apiVersion, 'v1');
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items.map((i) => [i.kind, i.metadata.name, i.spec.region, i.spec.podCIDRs]),
      [
        ['Cluster', 'jkt-prod-1', 'ap-southeast-3', ['127.1.0.0/16']],
        ['Cluster', 'sgp-prod-1', 'ap-southeast-1', ['127.2.0.0/16']],
        ['Cluster', 'tyo-prod-1', 'ap-northeast-1', ['127.3.0.0/16']],
      ],
    );
    assert.equal(list.items[0]?.metadata.annotations['lintas.dev/source'], 'fleet/clusters.yaml:29');
    assert.equal(r.stderr, '');
  });

  it('prints every Service with CLUSTER and NAMESPACE columns with -A', async () => {
    const r = await lintas(['get', 'svc', '-A', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    const [header, ...rows] = lines(r.stdout);
    assert.deepEqual(header?.split(/\s{3,}/), ['CLUSTER', 'NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'PORT(S)']);
    assert.equal(rows.length, 9);
    const cells = rows.map((row) => row.split(/\s+/));
    const expected = ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'].flatMap((c) => [
      [c, 'audit', 'audit-ingest-api'],
      [c, 'cases', 'public-case-api'],
      [c, 'search', 'case-search-api'],
    ]);
    assert.deepEqual(
      cells.map((c) => c.slice(0, 3)),
      expected,
    );
    assert.ok(cells.every((c) => c[3] === 'ClusterIP' && c[5] === '8080/TCP'), r.stdout);
    assert.deepEqual(cells.find((c) => c[0] === 'sgp-prod-1' && c[2] === 'public-case-api')?.[4], '127.12.0.10');
  });

  it('drops the CLUSTER column with --cluster and the NAMESPACE column with -n', async () => {
    const r = await lintas(['get', 'svc', '-n', 'cases', '--cluster', 'tyo-prod-1', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(lines(r.stdout).map((l) => l.split(/\s{3,}/)), [
      ['NAME', 'TYPE', 'CLUSTER-IP', 'PORT(S)'],
      ['public-case-api', 'ClusterIP', '127.13.0.10', '8080/TCP'],
    ]);
  });

  it('says "No resources found in default namespace" without -A, exit 0', async () => {
    const r = await lintas(['get', 'svc', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^No resources found in default namespace/);
  });

  it('prints one Service as YAML with a name, namespace and cluster', async () => {
    const r = await lintas(['get', 'svc', 'public-case-api', '-n', 'cases', '--cluster', 'jkt-prod-1', '-o', 'yaml', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    const list = parseYaml(r.stdout) as { kind: string; items: { kind: string; metadata: { name: string; namespace: string; annotations: Record<string, string> }; spec: { clusterIP: string; ports: { port: number }[] } }[] };
    assert.equal(list.kind, 'List');
    assert.equal(list.items.length, 1);
    const svc = list.items[0];
    assert.equal(svc?.kind, 'Service');
    assert.equal(svc?.metadata.name, 'public-case-api');
    assert.equal(svc?.metadata.namespace, 'cases');
    assert.equal(svc?.metadata.annotations['lintas.dev/cluster'], 'jkt-prod-1');
    assert.equal(svc?.metadata.annotations['lintas.dev/source'], 'clusters/jkt-prod-1/services.yaml:3');
    assert.equal(svc?.spec.clusterIP, '127.11.0.10');
    assert.equal(svc?.spec.ports[0]?.port, 8080);
  });

  it('exits 1 with NotFound for a missing name', async () => {
    const r = await lintas(['get', 'svc', 'nope', '-n', 'cases', ...CONFIG]);
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /NotFound.*services "nope" not found in namespace "cases"/);
  });

  it('filters by label selector', async () => {
    const r = await lintas(['get', 'svc', '-A', '-l', 'app.kubernetes.io/name=case-search-api', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    const rows = lines(r.stdout).slice(1).map((l) => l.split(/\s+/).slice(0, 3));
    assert.deepEqual(rows, [
      ['jkt-prod-1', 'search', 'case-search-api'],
      ['sgp-prod-1', 'search', 'case-search-api'],
      ['tyo-prod-1', 'search', 'case-search-api'],
    ]);

    const notIn = await lintas(['get', 'svc', '-A', '--cluster', 'jkt-prod-1', '-l', 'app.kubernetes.io/name notin (case-search-api,audit-ingest-api),app.kubernetes.io/part-of', '-o', 'name', ...CONFIG]);
    assert.equal(notIn.code, 0, show(notIn));
    assert.equal(notIn.stdout, 'service/public-case-api\n');

    const none = await lintas(['get', 'svc', '-A', '-l', 'app.kubernetes.io/part-of!=case-platform', ...CONFIG]);
    assert.equal(none.code, 0, show(none));
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^No resources found/);
  });

  it('exits 2 for a bad selector, saying so once', async () => {
    const r = await lintas(['get', 'svc', '-A', '-l', 'app in (a', ...CONFIG]);
    assert.equal(r.code, 2, show(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: invalid label selector "app in \(a": /);
    assert.equal(r.stderr.split('invalid label selector').length - 1, 1, `the prefix is not repeated: ${r.stderr}`);
  });

  it('prints kubectl resource names with -o name', async () => {
    const r = await lintas(['get', 'svc', '-n', 'audit', '--cluster', 'sgp-prod-1', '-o', 'name', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'service/audit-ingest-api\n');

    const exports = await lintas(['get', 'svcex', '-n', 'cases', '--cluster', 'jkt-prod-1', '-o', 'name', ...CONFIG]);
    assert.equal(exports.stdout, 'serviceexport.multicluster.x-k8s.io/public-case-api\n');
  });

  it('shows both ServiceExport API versions and the computed export status with -o wide', async () => {
    const r = await lintas(['get', 'svcex', '-A', '-o', 'wide', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    const [header, ...rows] = lines(r.stdout);
    assert.deepEqual(header?.split(/\s{3,}/), ['CLUSTER', 'NAMESPACE', 'NAME', 'VALID', 'READY', 'CONFLICT', 'API-VERSION']);
    const versions = rows.map((row) => {
      const cells = row.split(/\s+/);
      assert.deepEqual(cells.slice(3, 6), ['True', 'True', 'False'], `status of ${row}`);
      return `${cells[0]} ${cells[6]}`;
    });
    assert.equal(versions.length, 9);
    for (const v of versions) {
      const expected = v.startsWith('jkt-prod-1 ') ? 'multicluster.x-k8s.io/v1alpha1' : 'multicluster.x-k8s.io/v1beta1';
      assert.equal(v.split(' ')[1], expected, v);
    }
    const plain = await lintas(['get', 'svcex', '-A', ...CONFIG]);
    assert.ok(!plain.stdout.includes('API-VERSION'), 'the API-VERSION column is wide-only');
  });

  it('shows ServiceImports computed offline by the MCS controller, the same ClusterSetIP in every cluster', async () => {
    const r = await lintas(['get', 'svcim', '-A', ...CONFIG, '--state-dir', '/nonexistent-lintas-state']);
    assert.equal(r.code, 0, show(r));
    const [header, ...rows] = lines(r.stdout);
    assert.deepEqual(header?.split(/\s{3,}/), ['CLUSTER', 'NAMESPACE', 'NAME', 'TYPE', 'IP', 'CLUSTERS', 'READY']);
    assert.equal(rows.length, 9);
    const ipOf = new Map<string, Set<string>>();
    for (const row of rows) {
      const [, ns, name, type, ip, clusters, ready] = row.split(/\s+/);
      assert.equal(type, 'ClusterSetIP');
      assert.match(ip ?? '', /^127\.250\.0\.\d+$/);
      assert.equal(clusters, 'jkt-prod-1,sgp-prod-1,tyo-prod-1');
      assert.equal(ready, 'True');
      ipOf.set(`${ns}/${name}`, (ipOf.get(`${ns}/${name}`) ?? new Set()).add(ip ?? ''));
    }
    assert.equal(ipOf.size, 3);
    for (const ips of ipOf.values()) assert.equal(ips.size, 1, 'one ClusterSetIP per ServiceImport in every cluster');
  });

  it('selects imported EndpointSlices by the MCS service-name label, one per source cluster', async () => {
    const r = await lintas(['get', 'eps', '-A', '--cluster', 'jkt-prod-1', '-l', 'multicluster.kubernetes.io/service-name=public-case-api', '-o', 'json', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    const list = JSON.parse(r.stdout) as { items: { metadata: { labels: Record<string, string> } }[] };
    assert.deepEqual(list.items.map((i) => i.metadata.labels['multicluster.kubernetes.io/source-cluster']).sort(), ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1']);
    assert.ok(list.items.every((i) => i.metadata.labels['endpointslice.kubernetes.io/managed-by'] === 'lintas.dev'));
  });

  it('describes a ServiceImport with its endpoints per source cluster and its conflicts in plain words', async () => {
    const r = await lintas(['describe', 'svcim', 'cases/public-case-api', '--cluster', 'sgp-prod-1', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^Endpoints by source cluster:$/m);
    assert.match(r.stdout, /^ {2}jkt-prod-1 \(ap-southeast-3\): 2\/2 ready, ports http:8080\/TCP$/m);
    assert.match(r.stdout, /^Conflicts: +none: every exporting cluster agrees$/m);
  });

  it('prints one table per kind for a kind list', async () => {
    const r = await lintas(['get', 'clusters,clustersets', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    const blocks = r.stdout.trimEnd().split('\n\n');
    assert.equal(blocks.length, 2);
    assert.match(blocks[0] ?? '', /^NAME\s+REGION/);
    assert.match(blocks[1] ?? '', /clusterset\.lintas\.dev\/regulated-case-management/);
  });

  it('exits 2 for an unknown kind, 1 for an unknown cluster', async () => {
    const kind = await lintas(['get', 'widgets', ...CONFIG]);
    assert.equal(kind.code, 2, show(kind));
    assert.match(kind.stderr, /no resource type "widgets"; known types: clusters, /);

    const cluster = await lintas(['get', 'svc', '-A', '--cluster', 'nope', ...CONFIG]);
    assert.equal(cluster.code, 1, show(cluster));
    assert.match(cluster.stderr, /cluster "nope" not found; clusters: jkt-prod-1, sgp-prod-1, tyo-prod-1/);
    assert.equal(cluster.stdout, '');
  });

  it('exits 2 for -n with -A', async () => {
    const r = await lintas(['get', 'svc', '-A', '-n', 'cases', ...CONFIG]);
    assert.equal(r.code, 2, show(r));
  });

  it('honours $LINTAS_CONFIG without --config, and --config over it; ./fleet missing is exit 2', async () => {
    const env = await lintas(['get', 'clusters', '-o', 'name'], { env: { LINTAS_CONFIG: 'examples/capstone' } });
    assert.equal(env.code, 0, show(env));
    assert.deepEqual(lines(env.stdout), ['cluster.lintas.dev/jkt-prod-1', 'cluster.lintas.dev/sgp-prod-1', 'cluster.lintas.dev/tyo-prod-1']);

    const both = await lintas(['get', 'clusters', '-o', 'name', ...CONFIG], { env: { LINTAS_CONFIG: '/does/not/exist' } });
    assert.equal(both.code, 0, show(both));

    const missing = await lintas(['get', 'clusters'], { cwd: tempDir() });
    assert.equal(missing.code, 2, show(missing));
    assert.match(missing.stderr, /\/fleet does not exist/);
  });

  it('warns on stderr that invalid objects are hidden in a broken fleet', async () => {
    const r = await lintas(['get', 'svc', '-A', '--config', fixture(BAD_FLEET), '-o', 'name']);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /^warning: the fleet has 7 error\(s\); invalid objects are not shown/);
    assert.deepEqual(lines(r.stdout), ['service/web'], 'only the orphan cluster\'s valid Service');
  });
});

describe('lintas describe', () => {
  it('describes a Service with its origin, endpoints and export', async () => {
    const r = await lintas(['describe', 'svc', 'cases/public-case-api', '--cluster', 'jkt-prod-1', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    const text = r.stdout;
    assert.match(text, /^Name:\s+public-case-api$/m);
    assert.match(text, /^Namespace:\s+cases$/m);
    assert.match(text, /^Cluster:\s+jkt-prod-1$/m);
    assert.match(text, /^Kind:\s+Service$/m);
    assert.match(text, /^Source:\s+clusters\/jkt-prod-1\/services\.yaml:3$/m);
    assert.match(text, /^Endpoints:\s+127\.1\.0\.11 zone=ap-southeast-3a\n\s+127\.1\.0\.12 zone=ap-southeast-3b$/m);
    assert.match(text, /^Exported:\s+yes \(multicluster\.x-k8s\.io\/v1alpha1 ServiceExport, clusters\/jkt-prod-1\/serviceexports\.yaml:4\)$/m);
    assert.match(text, /^Issues:\s+<none>$/m);
    assert.equal((text.match(/^Name:/gm) ?? []).length, 1, 'one cluster, one object');
  });

  it('describes the object in every cluster without --cluster', async () => {
    const r = await lintas(['describe', 'svc', 'public-case-api', '-n', 'cases', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(
      [...r.stdout.matchAll(/^Cluster:\s+(\S+)$/gm)].map((m) => m[1]),
      ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'],
    );
  });

  it('describes a Cluster with its ClusterSet', async () => {
    const r = await lintas(['describe', 'cluster', 'sgp-prod-1', ...CONFIG]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^Name:\s+sgp-prod-1$/m);
    assert.match(r.stdout, /^ClusterSet:\s+regulated-case-management$/m);
    assert.match(r.stdout, /^Source:\s+fleet\/clusters\.yaml:48$/m);
    assert.match(r.stdout, /region: ap-southeast-1/);
  });

  it('exits 1 with NotFound for a missing object, 2 for NS/NAME of a fleet-scoped kind', async () => {
    const missing = await lintas(['describe', 'svc', 'cases/nope', ...CONFIG]);
    assert.equal(missing.code, 1, show(missing));
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /NotFound.*services "nope" not found in namespace "cases"/);

    const wrongCluster = await lintas(['describe', 'cluster', 'nope', ...CONFIG]);
    assert.equal(wrongCluster.code, 1, show(wrongCluster));

    const namespaced = await lintas(['describe', 'cluster', 'x/sgp-prod-1', ...CONFIG]);
    assert.equal(namespaced.code, 2, show(namespaced));
  });
});

describe('lintas help and version', () => {
  for (const command of ['validate', 'get', 'describe', 'watch', 'version']) {
    it(`${command} --help prints usage, exit 0`, async () => {
      const r = await lintas([command, '--help']);
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, new RegExp(`^Usage: lintas ${command} `));
      assert.match(r.stdout, /-h, --help/);
    });
  }

  it('--help lists every command', async () => {
    const r = await lintas(['--help']);
    assert.equal(r.code, 0, show(r));
    for (const command of ['validate', 'get', 'describe', 'watch', 'version']) assert.match(r.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('version prints text and JSON', async () => {
    const text = await lintas(['version']);
    assert.equal(text.code, 0);
    assert.equal(text.stdout, `lintas ${PKG.version} (node ${process.version})\n`);
    const json = await lintas(['version', '-o', 'json']);
    assert.equal(json.code, 0, show(json));
    assert.deepEqual(JSON.parse(json.stdout), { name: 'lintas', version: PKG.version, node: process.version });
    const flag = await lintas(['--version']);
    assert.equal(flag.code, 0);
    assert.equal(flag.stdout, `${PKG.version}\n`);
  });
});

describe('lintas watch', () => {
  /** Polls `predicate` until truthy or `ms` pass. */
  async function waitFor(what: string, predicate: () => boolean, ms = 5000): Promise<void> {
    const deadline = performance.now() + ms;
    while (!predicate()) {
      if (performance.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
      await delay(10);
    }
  }

  it('watches until aborted, logs reloads on stderr, and exits 0', async () => {
    const root = tempDir();
    cpSync(CAPSTONE, root, { recursive: true });
    const c = capture();
    const controller = new AbortController();
    let exited: number | undefined;
    const running = run(['watch', root, '--debounce', '20'], c.io, controller.signal).then((code) => (exited = code));
    try {
      await waitFor(`the "watching" line on stderr:\n${c.stderr()}`, () => c.stderr().includes(`watching ${root} (store version 1)`));
      assert.match(c.stderr(), /INFO {2}fleet published version=1/);
      assert.equal(exited, undefined, 'still running');

      const file = join(root, 'clusters/sgp-prod-1/services.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('port: 8080', 'port: 8081'));
      await waitFor(`a reload on stderr:\n${c.stderr()}`, () => /fleet published version=2 .*changed=\["sgp-prod-1"\]/.test(c.stderr()));
    } finally {
      controller.abort();
    }
    await waitFor('the watch command to return', () => exited !== undefined);
    assert.equal(await running, 0);
  });

  it('returns 0 when aborted before the initial load finished', async () => {
    const c = capture();
    let exited: number | undefined;
    void run(['watch', 'examples/capstone', '--debounce', '20'], c.io, AbortSignal.abort()).then((code) => (exited = code));
    await waitFor(`the watch command to return after an early abort:\n${c.stderr()}`, () => exited !== undefined);
    assert.equal(exited, 0);
  });
});
