/**
 * Reusable zod field schemas for Kubernetes-shaped resources.
 *
 * Every schema here is declarative: the checks are the ones the Kubernetes API
 * server (or the CRD's OpenAPI/CEL rules) would apply, so a manifest Lintas
 * accepts is one a real cluster would accept too.
 * @module
 */
import { z } from 'zod';
import {
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  gatewayHostname,
  labelValue,
  parseCIDR,
  parseGatewayDuration,
  parseIP,
  qualifiedName,
} from '../lib/index.ts';

/** A string checked by one of the `lib/names` validators (which return a message or undefined). */
export function checkedString(check: (s: string) => string | undefined): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** RFC 1123 DNS label (namespaces, port names, most short names). */
export const DNSLabel = checkedString(dns1123Label);
/** RFC 1123 DNS subdomain (most object names). */
export const DNSSubdomain = checkedString(dns1123Subdomain);
/** RFC 1035 label (Service names must start with a letter). */
export const DNS1035Label = checkedString(dns1035Label);
/** Gateway API Hostname: RFC 1123 subdomain with an optional leading `*.` label, never an IP. */
export const Hostname = checkedString(gatewayHostname);

/** An IPv4 or IPv6 address in canonical textual form. */
export const IPAddress = z.string().superRefine((value, ctx) => {
  if (parseIP(value) === undefined) ctx.addIssue({ code: 'custom', message: `must be a valid IP address, got "${value}"` });
});

/** A CIDR whose address carries no host bits (`10.0.0.0/16`, not `10.0.0.1/16`). */
export const CIDR = z.string().superRefine((value, ctx) => {
  const parsed = parseCIDR(value);
  if (parsed === undefined) ctx.addIssue({ code: 'custom', message: `must be a valid CIDR (e.g. 10.0.0.0/16), got "${value}"` });
  else if (parsed.hostBitsSet) ctx.addIssue({ code: 'custom', message: `"${value}" has host bits set; did you mean the network address?` });
});

/** A TCP/UDP port number. */
export const PortNumber = z.int().min(1).max(65535);

/** Gateway API Duration (GEP-2257), e.g. `10s`, `1h30m`, `500ms`. */
export const GatewayDuration = z.string().superRefine((value, ctx) => {
  if (parseGatewayDuration(value) === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be a Gateway API duration like "10s", "1m30s" or "500ms", got "${value}"` });
  }
});

/** A `map[string]string` of labels: qualified-name keys, label-value values. */
export const Labels = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = qualifiedName(key);
    if (keyProblem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `invalid label key: ${keyProblem}` });
    const valueProblem = labelValue(value);
    if (valueProblem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `invalid label value: ${valueProblem}` });
  }
});

/** A `map[string]string` of annotations: qualified-name keys, any string values. */
export const Annotations = z.record(z.string(), z.string()).superRefine((annotations, ctx) => {
  for (const key of Object.keys(annotations)) {
    const keyProblem = qualifiedName(key);
    if (keyProblem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `invalid annotation key: ${keyProblem}` });
  }
});

/** RFC 3339 timestamp as Kubernetes serialises `metav1.Time` (YAML may also give a Date). */
export const Timestamp = z.union([z.string(), z.date()]).superRefine((value, ctx) => {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  const shaped = value instanceof Date || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  if (!shaped || Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 timestamp like 2026-01-02T15:04:05Z' });
});

/** metav1.LabelSelector. */
export const LabelSelector = z.looseObject({
  matchLabels: Labels.optional(),
  matchExpressions: z
    .array(
      z.looseObject({
        key: checkedString(qualifiedName),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
/** metav1.LabelSelector as data. */
export type LabelSelector = z.infer<typeof LabelSelector>;
