/**
 * `lintas.dev/v1alpha1` OwnershipMap: which cluster owns the data behind an ownership key
 * (a case id such as `JKT-7`), so that a TrafficPolicy in mode `Owner` sends mutations only
 * to the owner (issue 5; seed 000 §17.2 "write region decided by case ownership").
 *
 * Precedence, fixed here so the gateway and the service proxy agree: a rule listing the key
 * exactly wins; otherwise the rule with the longest matching prefix; otherwise `default`
 * (rendezvous hashing over its clusters, done by the data plane); otherwise no owner.
 * Matching is case-sensitive. Overlapping prefixes are therefore fine (`JKT-` and `JKT-A`),
 * but the same prefix or the same key twice is ambiguous and refused.
 * @module
 */
import { z } from 'zod';
import { DNSLabel, DNSSubdomain } from './fields.ts';
import { LINTAS_V1ALPHA1 } from './lintas.ts';
import { ObjectMeta } from './meta.ts';
import { exactlyOneOf, flagDuplicateNames } from './traffic-policy.ts';

/** One rule: the keys starting with `prefix`, or exactly the listed `keys`, belong to `cluster`. */
export type OwnershipRule =
  | { readonly prefix: string; readonly keys?: undefined; readonly cluster: string }
  | { readonly keys: readonly string[]; readonly prefix?: undefined; readonly cluster: string };

/** Schema of {@link OwnershipRule}. */
export const OwnershipRule = z
  .looseObject({
    prefix: z.string().min(1, 'must not be empty: use .spec.default for keys no rule matches').max(253).optional(),
    keys: z.array(z.string().min(1).max(253)).min(1).optional(),
    cluster: DNSLabel,
  })
  .superRefine(exactlyOneOf(['prefix', 'keys']))
  .transform((rule) => rule as OwnershipRule);

/** `spec.default`: keys no rule matches are spread over these clusters by rendezvous (HRW) hashing. */
export const OwnershipDefault = z.looseObject({
  hash: z.enum(['Rendezvous']).default('Rendezvous'),
  clusters: z.array(DNSLabel).min(1, 'must name at least one cluster'),
});

/** OwnershipMap spec, with defaults filled in. */
export const OwnershipMapSpec = z
  .looseObject({
    rules: z.array(OwnershipRule).default([]),
    default: OwnershipDefault.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.rules.length === 0 && spec.default === undefined) {
      ctx.addIssue({ code: 'custom', path: ['rules'], message: 'must not be empty when there is no default: the map would own no key' });
    }
    if (spec.default !== undefined) flagDuplicateNames(spec.default.clusters, ['default', 'clusters'], ctx);
    const prefixes = new Map<string, number>();
    const keys = new Map<string, string>();
    spec.rules.forEach((rule, i) => {
      if (rule.keys !== undefined) flagDuplicateNames(rule.keys, ['rules', i, 'keys'], ctx, 'key');
      if (rule.prefix !== undefined) {
        const first = prefixes.get(rule.prefix);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', i, 'prefix'], message: `duplicate prefix "${rule.prefix}" (also .spec.rules[${first}].prefix): which cluster owns its keys is ambiguous` });
        else prefixes.set(rule.prefix, i);
      }
      rule.keys?.forEach((key, j) => {
        const first = keys.get(key);
        // Repeats inside one rule are reported above, by flagDuplicateNames.
        if (first !== undefined && !first.startsWith(`.spec.rules[${i}].`)) {
          ctx.addIssue({ code: 'custom', path: ['rules', i, 'keys', j], message: `key "${key}" is also listed in ${first}: which cluster owns it is ambiguous` });
        } else if (first === undefined) keys.set(key, `.spec.rules[${i}].keys[${j}]`);
      });
    });
  });
/** OwnershipMap spec as data. */
export type OwnershipMapSpec = z.infer<typeof OwnershipMapSpec>;

/** `lintas.dev/v1alpha1` OwnershipMap (namespaced, fleet-scoped: ownership is one truth for the whole fleet). */
export const OwnershipMap = z.looseObject({
  apiVersion: z.literal(LINTAS_V1ALPHA1),
  kind: z.literal('OwnershipMap'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: OwnershipMapSpec,
});
/** OwnershipMap as data. */
export type OwnershipMap = z.infer<typeof OwnershipMap>;

/** The rule that owns `key` by the precedence above (exact key, then longest prefix), or undefined when only `default` can. */
export function ownershipRuleFor(spec: OwnershipMapSpec, key: string): { readonly index: number; readonly cluster: string } | undefined {
  let best: { index: number; cluster: string; length: number } | undefined;
  for (const [index, rule] of spec.rules.entries()) {
    if (rule.keys?.includes(key)) return { index, cluster: rule.cluster };
    if (rule.prefix !== undefined && key.startsWith(rule.prefix) && (best === undefined || rule.prefix.length > best.length)) {
      best = { index, cluster: rule.cluster, length: rule.prefix.length };
    }
  }
  return best && { index: best.index, cluster: best.cluster };
}
