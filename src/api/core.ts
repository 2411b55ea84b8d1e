/**
 * Core `v1` kinds Lintas reads: Namespace, Service and Secret.
 * @module
 */
import { z } from 'zod';
import { checkedString, DNS1035Label, DNSLabel, DNSSubdomain, IPAddress, PortNumber } from './fields.ts';
import { ObjectMeta } from './meta.ts';
import { dns1123Label, ianaServiceName } from '../lib/index.ts';

/** Transport protocols of a port. */
export const Protocol = z.enum(['TCP', 'UDP', 'SCTP']);
/** IP families. */
export const IPFamily = z.enum(['IPv4', 'IPv6']);

/** `v1` Namespace. */
export const Namespace = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: ObjectMeta.extend({ name: DNSLabel }),
});
/** `v1` Namespace as data. */
export type Namespace = z.infer<typeof Namespace>;

/** A Service's targetPort: a number or an IANA service name of a container port. */
const TargetPort = z.union([PortNumber, checkedString(ianaServiceName)]);

/** `v1` ServicePort. */
export const ServicePort = z.looseObject({
  name: checkedString(dns1123Label).optional(),
  protocol: Protocol.default('TCP'),
  appProtocol: z.string().optional(),
  port: PortNumber,
  targetPort: TargetPort.optional(),
  nodePort: z.int().min(0).max(65535).optional(),
});
/** `v1` ServicePort as data. */
export type ServicePort = z.infer<typeof ServicePort>;

/** `v1` ServiceSpec: the fields the MCS controller and the gateway read. */
export const ServiceSpec = z
  .looseObject({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).default('ClusterIP'),
    ports: z.array(ServicePort).optional(),
    selector: z.record(z.string(), z.string()).optional(),
    clusterIP: z.union([IPAddress, z.literal('None'), z.literal('')]).optional(),
    clusterIPs: z.array(z.union([IPAddress, z.literal('None')])).max(2).optional(),
    externalName: DNSSubdomain.optional(),
    sessionAffinity: z.enum(['ClientIP', 'None']).default('None'),
    sessionAffinityConfig: z
      .looseObject({ clientIP: z.looseObject({ timeoutSeconds: z.int().min(1).max(86400).optional() }).optional() })
      .optional(),
    ipFamilies: z.array(IPFamily).max(2).optional(),
    ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
    internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    trafficDistribution: z.enum(['PreferClose', 'PreferSameZone', 'PreferSameNode']).optional(),
    publishNotReadyAddresses: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    const ports = spec.ports ?? [];
    // The API server demands names once a Service has more than one port, and unique ones.
    const seenNames = new Map<string, number>();
    const seenPorts = new Map<string, number>();
    ports.forEach((port, i) => {
      if (ports.length > 1 && !port.name) {
        ctx.addIssue({ code: 'custom', path: ['ports', i, 'name'], message: 'is required when the Service has more than one port' });
      }
      if (port.name) {
        const first = seenNames.get(port.name);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['ports', i, 'name'], message: `duplicate port name "${port.name}" (also .spec.ports[${first}])` });
        else seenNames.set(port.name, i);
      }
      const pp = `${port.protocol}/${port.port}`;
      const firstPort = seenPorts.get(pp);
      if (firstPort !== undefined) ctx.addIssue({ code: 'custom', path: ['ports', i, 'port'], message: `duplicate port ${pp} (also .spec.ports[${firstPort}])` });
      else seenPorts.set(pp, i);
    });
    if (spec.type === 'ExternalName' && !spec.externalName) {
      ctx.addIssue({ code: 'custom', path: ['externalName'], message: 'is required when type is ExternalName' });
    }
    if (spec.type !== 'ExternalName' && ports.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['ports'], message: `a ${spec.type} Service needs at least one port` });
    }
    if (spec.ipFamilies && new Set(spec.ipFamilies).size !== spec.ipFamilies.length) {
      ctx.addIssue({ code: 'custom', path: ['ipFamilies'], message: 'must not contain duplicates' });
    }
  });
/** `v1` ServiceSpec as data. */
export type ServiceSpec = z.infer<typeof ServiceSpec>;

/** `v1` Service. */
export const Service = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: ObjectMeta.extend({ name: DNS1035Label }),
  spec: ServiceSpec,
});
/** `v1` Service as data. */
export type Service = z.infer<typeof Service>;

/** The Secret type of TLS certificates (`tls.crt` and `tls.key`, PEM). */
export const SECRET_TYPE_TLS = 'kubernetes.io/tls';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A Secret data key: what the API server accepts (`[-._a-zA-Z0-9]+`, at most 253 characters). */
const SecretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must consist of alphanumeric characters, "-", "_" or "."').max(253);

/**
 * `v1` Secret. Lintas reads `kubernetes.io/tls` Secrets for Gateway listener certificates; in a
 * fleet directory they are ordinary manifests in the cluster folder (keep them out of Git: see the
 * README). `data` values are base64 (checked here); `stringData` is plain text and wins per key.
 */
export const Secret = z
  .looseObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('Secret'),
    metadata: ObjectMeta.extend({ name: DNSSubdomain }),
    type: z.string().min(1).default('Opaque'),
    data: z.record(SecretKey, z.string().regex(BASE64, 'must be base64 (the API server stores data values base64-encoded)')).optional(),
    stringData: z.record(SecretKey, z.string()).optional(),
    immutable: z.boolean().optional(),
  })
  .superRefine((secret, ctx) => {
    // The API server's own rule for kubernetes.io/tls: both keys present.
    if (secret.type !== SECRET_TYPE_TLS) return;
    for (const key of ['tls.crt', 'tls.key']) {
      if (secret.data?.[key] === undefined && secret.stringData?.[key] === undefined) ctx.addIssue({ code: 'custom', path: ['data', key], message: `is required for type ${SECRET_TYPE_TLS}` });
    }
  });
/** `v1` Secret as data. */
export type Secret = z.infer<typeof Secret>;

/** The text of one Secret key (`stringData` wins over `data`, as the API server merges them), or undefined. */
export function secretText(secret: Secret, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}
