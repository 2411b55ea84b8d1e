/**
 * Gateway API `BackendTLSPolicy` (v1): how the gateway re-encrypts to a
 * backend (the SNI and the name or SANs its certificate must carry, the CA
 * certificates that sign it), and core `v1` `ConfigMap`, which holds the CA
 * bundle (`ca.crt`). The CRD's CEL rules are enforced here, so what Lintas
 * accepts a real API server accepts too.
 * @module
 */
import { z } from 'zod';
import { DNSSubdomain } from './fields.ts';
import { GATEWAY_GROUP, Group, Kind, SectionName } from './gateway.ts';
import { ObjectMeta } from './meta.ts';

/** The ConfigMap key a CA certificate bundle is read from (Gateway API Core support). */
export const CA_CERTIFICATE_KEY = 'ca.crt';

/** `v1` ConfigMap: string data (BackendTLSPolicy CA bundles; other uses are ignored). */
export const ConfigMap = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  data: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must consist of alphanumeric characters, "-", "_" or "."').max(253), z.string()).optional(),
  binaryData: z.record(z.string(), z.string()).optional(),
  immutable: z.boolean().optional(),
});
/** `v1` ConfigMap as data. */
export type ConfigMap = z.infer<typeof ConfigMap>;

const PolicyHostname = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a lower-case DNS name (no wildcard, no IP address)').max(253);

/** One subjectAltName the backend's certificate may present (`Hostname` or `URI`, CEL: exactly the field of its type). */
const SubjectAltName = z
  .looseObject({
    type: z.enum(['Hostname', 'URI']),
    hostname: z.string().regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS name, optionally starting with "*."').max(253).optional(),
    uri: z.string().regex(/^(([^:/?#]+):)(\/\/([^/?#]*))([^?#]*)(\?([^#]*))?(#(.*))?/, 'must be a URI with a scheme and an authority, e.g. spiffe://cluster.local/ns/a/sa/b').max(253).optional(),
  })
  .superRefine((san, ctx) => {
    if (san.type === 'Hostname' && (san.hostname ?? '') === '') ctx.addIssue({ code: 'custom', path: ['hostname'], message: 'is required when type is Hostname' });
    if (san.type !== 'Hostname' && (san.hostname ?? '') !== '') ctx.addIssue({ code: 'custom', path: ['hostname'], message: 'must not be set when type is URI' });
    if (san.type === 'URI' && (san.uri ?? '') === '') ctx.addIssue({ code: 'custom', path: ['uri'], message: 'is required when type is URI' });
    if (san.type !== 'URI' && (san.uri ?? '') !== '') ctx.addIssue({ code: 'custom', path: ['uri'], message: 'must not be set when type is Hostname' });
  });

/** A target of the policy: a Service or ServiceImport, optionally one port (`sectionName` = port name). */
const PolicyTargetRef = z.looseObject({ group: Group, kind: Kind, name: z.string().min(1).max(253), sectionName: SectionName.optional() });

/** `gateway.networking.k8s.io/v1` BackendTLSPolicy. */
export const BackendTLSPolicy = z.looseObject({
  apiVersion: z.enum([`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha3`]),
  kind: z.literal('BackendTLSPolicy'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: z.looseObject({
    targetRefs: z
      .array(PolicyTargetRef)
      .min(1)
      .max(16)
      .superRefine((refs, ctx) => {
        // CEL: several refs to one target need distinct sectionNames.
        refs.forEach((a, i) => {
          refs.forEach((b, j) => {
            if (j <= i || a.group !== b.group || a.kind !== b.kind || a.name !== b.name) return;
            if ((a.sectionName ?? '') === (b.sectionName ?? '')) ctx.addIssue({ code: 'custom', path: [j, 'sectionName'], message: `must be unique (also targetRefs[${i}]) when targetRefs name the same target twice` });
            else if ((a.sectionName ?? '') === '' || (b.sectionName ?? '') === '') ctx.addIssue({ code: 'custom', path: [j, 'sectionName'], message: `must be set on every entry (targetRefs[${i}] too) when targetRefs name the same target twice` });
          });
        });
      }),
    validation: z
      .looseObject({
        caCertificateRefs: z.array(z.looseObject({ group: Group, kind: Kind, name: z.string().min(1).max(253) })).max(8).optional(),
        wellKnownCACertificates: z.string().min(1).max(253).optional(),
        hostname: PolicyHostname,
        subjectAltNames: z.array(SubjectAltName).max(5).optional(),
      })
      .superRefine((v, ctx) => {
        const refs = (v.caCertificateRefs ?? []).length > 0;
        const wellKnown = (v.wellKnownCACertificates ?? '') !== '';
        if (refs && wellKnown) ctx.addIssue({ code: 'custom', path: ['wellKnownCACertificates'], message: 'must not be set together with caCertificateRefs' });
        if (!refs && !wellKnown) ctx.addIssue({ code: 'custom', path: ['caCertificateRefs'], message: 'must list a CA certificate (or set wellKnownCACertificates: System)' });
      }),
    options: z.record(z.string(), z.string().max(4096)).optional(),
  }),
});
/** BackendTLSPolicy as data. */
export type BackendTLSPolicy = z.infer<typeof BackendTLSPolicy>;
