/**
 * Gateway API (`gateway.networking.k8s.io`): GatewayClass, Gateway, ReferenceGrant
 * and the reference types HTTPRoute shares. Field rules follow the v1 CRDs,
 * including their CEL validations.
 * @module
 */
import { z } from 'zod';
import { checkedString, DNSLabel, DNSSubdomain, Hostname, LabelSelector, PortNumber } from './fields.ts';
import { ObjectMeta } from './meta.ts';
import { domainPrefixedPath, parseIP } from '../lib/index.ts';

/** The Gateway API group. */
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** Gateway API SectionName / ObjectName: an RFC 1123 subdomain. */
export const SectionName = DNSSubdomain;
/** Gateway API Group: empty (core) or a DNS subdomain. */
export const Group = z.union([z.literal(''), DNSSubdomain]);
/** Gateway API Kind. */
export const Kind = z.string().regex(/^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/, 'must be a Kubernetes kind like "Service"').max(63);

/** ParentReference (HTTPRoute → Gateway). */
export const ParentReference = z.looseObject({
  group: Group.default(GATEWAY_GROUP),
  kind: Kind.default('Gateway'),
  namespace: DNSLabel.optional(),
  name: DNSSubdomain,
  sectionName: SectionName.optional(),
  port: PortNumber.optional(),
});
/** ParentReference as data. */
export type ParentReference = z.infer<typeof ParentReference>;

/** SecretObjectReference (listener certificates). */
export const SecretObjectReference = z.looseObject({
  group: Group.default(''),
  kind: Kind.default('Secret'),
  name: DNSSubdomain,
  namespace: DNSLabel.optional(),
});

/** `gateway.networking.k8s.io/v1` GatewayClass (cluster-scoped). */
export const GatewayClass = z.looseObject({
  apiVersion: z.enum([`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`]),
  kind: z.literal('GatewayClass'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: z.looseObject({
    controllerName: checkedString(domainPrefixedPath),
    description: z.string().max(64).optional(),
    parametersRef: z.looseObject({ group: Group, kind: Kind, name: z.string().min(1), namespace: DNSLabel.optional() }).optional(),
  }),
});
/** GatewayClass as data. */
export type GatewayClass = z.infer<typeof GatewayClass>;

const ListenerProtocol = z
  .string()
  .regex(
    /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/,
    'must be HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed protocol',
  );

/** A Gateway listener. */
export const Listener = z
  .looseObject({
    name: SectionName,
    hostname: Hostname.optional(),
    port: PortNumber,
    protocol: ListenerProtocol,
    tls: z
      .looseObject({
        mode: z.enum(['Terminate', 'Passthrough']).default('Terminate'),
        certificateRefs: z.array(SecretObjectReference).max(64).optional(),
        options: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
    allowedRoutes: z
      .looseObject({
        namespaces: z
          .looseObject({ from: z.enum(['All', 'Same', 'Selector', 'None']).default('Same'), selector: LabelSelector.optional() })
          .optional(),
        kinds: z.array(z.looseObject({ group: Group.optional(), kind: Kind })).max(8).optional(),
      })
      .optional(),
  })
  .superRefine((listener, ctx) => {
    // These mirror the CEL rules on the v1 Listener.
    if (['HTTP', 'TCP', 'UDP'].includes(listener.protocol) && listener.tls) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: `must not be set for protocol ${listener.protocol}` });
    }
    if (['HTTPS', 'TLS'].includes(listener.protocol) && !listener.tls) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: `is required for protocol ${listener.protocol}` });
    }
    if (listener.protocol === 'HTTPS' && listener.tls?.mode === 'Passthrough') {
      ctx.addIssue({ code: 'custom', path: ['tls', 'mode'], message: 'must be Terminate for protocol HTTPS (Passthrough is for TLS listeners)' });
    }
    if (listener.protocol === 'HTTPS' && listener.tls?.mode === 'Terminate' && (listener.tls.certificateRefs ?? []).length === 0 && listener.tls.options === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'certificateRefs'], message: 'must list at least one certificate when tls.mode is Terminate' });
    }
    if (['TCP', 'UDP'].includes(listener.protocol) && listener.hostname) {
      ctx.addIssue({ code: 'custom', path: ['hostname'], message: `must not be set for protocol ${listener.protocol}` });
    }
    const ns = listener.allowedRoutes?.namespaces;
    if (ns?.from === 'Selector' && !ns.selector) {
      ctx.addIssue({ code: 'custom', path: ['allowedRoutes', 'namespaces', 'selector'], message: 'is required when from is Selector' });
    }
  });
/** A Gateway listener as data. */
export type Listener = z.infer<typeof Listener>;

/** A Gateway address. */
export const GatewayAddress = z
  .looseObject({
    type: z.string().default('IPAddress'),
    value: z.string().min(1).max(253),
  })
  .superRefine((address, ctx) => {
    if (address.type === 'IPAddress' && parseIP(address.value) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `must be a valid IP address for type IPAddress, got "${address.value}"` });
    }
    if (!['IPAddress', 'Hostname', 'NamedAddress'].includes(address.type) && !address.type.includes('/')) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'must be IPAddress, Hostname, NamedAddress or a domain-prefixed type' });
    }
  });

/** `gateway.networking.k8s.io/v1` Gateway. */
export const Gateway = z.looseObject({
  apiVersion: z.enum([`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`]),
  kind: z.literal('Gateway'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: z
    .looseObject({
      gatewayClassName: DNSSubdomain,
      listeners: z.array(Listener).min(1, 'a Gateway needs at least one listener').max(64),
      addresses: z.array(GatewayAddress).max(16).optional(),
    })
    .superRefine((spec, ctx) => {
      const names = new Map<string, number>();
      const triples = new Map<string, number>();
      spec.listeners.forEach((listener, i) => {
        const first = names.get(listener.name);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['listeners', i, 'name'], message: `duplicate listener name "${listener.name}" (also .spec.listeners[${first}])` });
        else names.set(listener.name, i);
        const key = `${listener.port}/${listener.protocol}/${listener.hostname ?? ''}`;
        const firstTriple = triples.get(key);
        if (firstTriple !== undefined) ctx.addIssue({ code: 'custom', path: ['listeners', i], message: `port, protocol and hostname duplicate .spec.listeners[${firstTriple}]` });
        else triples.set(key, i);
      });
    }),
});
/** Gateway as data. */
export type Gateway = z.infer<typeof Gateway>;

/** `gateway.networking.k8s.io/v1beta1` ReferenceGrant. */
export const ReferenceGrant = z.looseObject({
  apiVersion: z.enum([`${GATEWAY_GROUP}/v1beta1`, `${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha2`]),
  kind: z.literal('ReferenceGrant'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: z.looseObject({
    from: z.array(z.looseObject({ group: Group, kind: Kind, namespace: DNSLabel })).min(1).max(16),
    to: z.array(z.looseObject({ group: Group, kind: Kind, name: DNSSubdomain.optional() })).min(1).max(16),
  }),
});
/** ReferenceGrant as data. */
export type ReferenceGrant = z.infer<typeof ReferenceGrant>;
