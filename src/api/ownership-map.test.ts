import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lookupKind, resolveKindName } from './kinds.ts';
import { OwnershipMap, ownershipRuleFor } from './ownership-map.ts';

type Spec = Record<string, unknown>;

const manifest = (spec: Spec): unknown => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'OwnershipMap', metadata: { name: 'case-owners', namespace: 'cases' }, spec });

function problems(spec: Spec): string[] {
  const r = OwnershipMap.safeParse(manifest(spec));
  return r.success ? [] : r.error.issues.map((i) => `.${i.path.join('.')}: ${i.message}`);
}

const ISSUE_RULES = [
  { prefix: 'JKT-', cluster: 'jkt-prod-1' },
  { keys: ['SGP-1', 'SGP-2'], cluster: 'sgp-prod-1' },
];

describe('OwnershipMap schema', () => {
  it("accepts the issue's shape and defaults the hash", () => {
    const m = OwnershipMap.parse(manifest({ rules: ISSUE_RULES, default: { clusters: ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'] } }));
    assert.deepEqual(m.spec, { rules: ISSUE_RULES, default: { hash: 'Rendezvous', clusters: ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'] } });
    assert.deepEqual(OwnershipMap.parse(manifest({ default: { hash: 'Rendezvous', clusters: ['jkt-prod-1'] } })).spec.rules, [], 'a map may be all default');
  });

  it('resolves an exact key before the longest prefix, and leaves the rest to default', () => {
    const { spec } = OwnershipMap.parse(
      manifest({
        rules: [
          { prefix: 'JKT-', cluster: 'jkt-prod-1' },
          { prefix: 'JKT-A', cluster: 'sgp-prod-1' },
          { keys: ['JKT-7'], cluster: 'tyo-prod-1' },
        ],
      }),
    );
    assert.deepEqual(ownershipRuleFor(spec, 'JKT-1'), { index: 0, cluster: 'jkt-prod-1' });
    assert.deepEqual(ownershipRuleFor(spec, 'JKT-A1'), { index: 1, cluster: 'sgp-prod-1' }, 'the longest prefix wins, whatever the order');
    assert.deepEqual(ownershipRuleFor(spec, 'JKT-7'), { index: 2, cluster: 'tyo-prod-1' }, 'an exact key beats any prefix');
    assert.equal(ownershipRuleFor(spec, 'jkt-1'), undefined, 'matching is case-sensitive');
    assert.equal(ownershipRuleFor(spec, 'SGP-1'), undefined);
  });

  const INVALID: ReadonlyArray<readonly [string, Spec, readonly string[]]> = [
    ['an empty map', {}, ['.spec.rules: must not be empty when there is no default: the map would own no key']],
    ['a rule with prefix and keys', { rules: [{ prefix: 'JKT-', keys: ['A'], cluster: 'jkt-prod-1' }] }, ['.spec.rules.0: must set exactly one of prefix or keys, not prefix and keys']],
    ['a rule with neither', { rules: [{ cluster: 'jkt-prod-1' }] }, ['.spec.rules.0: must set one of prefix or keys']],
    ['an empty prefix', { rules: [{ prefix: '', cluster: 'jkt-prod-1' }] }, ['.spec.rules.0.prefix: must not be empty: use .spec.default for keys no rule matches']],
    ['a rule without a cluster', { rules: [{ prefix: 'JKT-' }] }, ['.spec.rules.0.cluster:']],
    [
      'the same prefix twice',
      { rules: [{ prefix: 'JKT-', cluster: 'jkt-prod-1' }, { prefix: 'SGP-', cluster: 'sgp-prod-1' }, { prefix: 'JKT-', cluster: 'tyo-prod-1' }] },
      ['.spec.rules.2.prefix: duplicate prefix "JKT-" (also .spec.rules[0].prefix): which cluster owns its keys is ambiguous'],
    ],
    [
      'the same key in two rules',
      { rules: [{ keys: ['A-1', 'A-2'], cluster: 'jkt-prod-1' }, { keys: ['A-3', 'A-2'], cluster: 'sgp-prod-1' }] },
      ['.spec.rules.1.keys.1: key "A-2" is also listed in .spec.rules[0].keys[1]: which cluster owns it is ambiguous'],
    ],
    ['a key twice in one rule', { rules: [{ keys: ['A-1', 'A-1'], cluster: 'jkt-prod-1' }] }, ['.spec.rules.0.keys.1: duplicate key "A-1" (also .spec.rules[0].keys[0])']],
    ['a default without clusters', { default: { clusters: [] } }, ['.spec.default.clusters: must name at least one cluster']],
    ['a default cluster twice', { default: { clusters: ['jkt-prod-1', 'jkt-prod-1'] } }, ['.spec.default.clusters.1: duplicate cluster "jkt-prod-1" (also .spec.default.clusters[0])']],
    ['another hash', { default: { hash: 'Modulo', clusters: ['jkt-prod-1'] } }, ['.spec.default.hash:']],
  ];
  for (const [name, spec, expected] of INVALID) {
    it(`refuses ${name}`, () => {
      const actual = problems(spec).map((p, i) => (expected[i]?.endsWith(':') ? p.slice(0, p.indexOf(': ') + 1) : p));
      assert.deepEqual(actual, expected);
    });
  }

  it('is registered as a namespaced, fleet-scoped lintas.dev kind', () => {
    const lookup = lookupKind('lintas.dev/v1alpha1', 'OwnershipMap');
    assert.equal(lookup.status, 'known');
    if (lookup.status !== 'known') return;
    assert.equal(lookup.info.scope, 'Fleet');
    assert.equal(lookup.info.namespaced, true);
    assert.equal(resolveKindName('om'), lookup.info);
    assert.equal(resolveKindName('ownershipmaps'), lookup.info);
  });
});
