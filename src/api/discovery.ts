/**
 * `discovery.k8s.io/v1` EndpointSlice.
 * @module
 */
import { z } from 'zod';
import { checkedString, DNSLabel, DNSSubdomain } from './fields.ts';
import { ObjectMeta } from './meta.ts';
import { Protocol, type ServicePort } from './core.ts';
import { dns1123Label, dns1123Subdomain, parseIP } from '../lib/index.ts';

/** Label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Label naming the controller that manages an EndpointSlice. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

/** One endpoint of a slice. */
export const Endpoint = z.looseObject({
  addresses: z.array(z.string()).min(1, 'must list at least one address').max(100),
  conditions: z
    .looseObject({ ready: z.boolean().optional(), serving: z.boolean().optional(), terminating: z.boolean().optional() })
    .optional(),
  hostname: DNSLabel.optional(),
  nodeName: DNSSubdomain.optional(),
  zone: z.string().optional(),
  targetRef: z.looseObject({ kind: z.string().optional(), name: z.string().optional(), namespace: z.string().optional() }).optional(),
});
/** One endpoint of a slice, as data. */
export type Endpoint = z.infer<typeof Endpoint>;

/** One port of a slice (`port` may be absent: "all ports"). */
export const EndpointPort = z.looseObject({
  name: z.union([checkedString(dns1123Label), z.literal('')]).optional(),
  protocol: Protocol.default('TCP'),
  port: z.int().min(1).max(65535).optional().nullable(),
  appProtocol: z.string().optional(),
});
/** One port of a slice, as data. */
export type EndpointPort = z.infer<typeof EndpointPort>;

/** `discovery.k8s.io/v1` EndpointSlice. */
export const EndpointSlice = z
  .looseObject({
    apiVersion: z.literal('discovery.k8s.io/v1'),
    kind: z.literal('EndpointSlice'),
    metadata: ObjectMeta.extend({ name: DNSSubdomain }),
    addressType: z.enum(['IPv4', 'IPv6', 'FQDN']),
    endpoints: z.array(Endpoint).max(1000).default([]),
    ports: z.array(EndpointPort).max(100).optional().nullable(),
  })
  .superRefine((slice, ctx) => {
    // Address syntax depends on the slice's addressType, so it is checked here rather than per field.
    slice.endpoints.forEach((endpoint, i) => {
      endpoint.addresses.forEach((address, j) => {
        const path = ['endpoints', i, 'addresses', j];
        if (slice.addressType === 'FQDN') {
          const problem = dns1123Subdomain(address);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', path, message: `must be a valid FQDN: ${problem}` });
          return;
        }
        const ip = parseIP(address);
        const want = slice.addressType === 'IPv4' ? 4 : 6;
        if (ip === undefined) ctx.addIssue({ code: 'custom', path, message: `must be a valid ${slice.addressType} address, got "${address}"` });
        else if (ip.family !== want) ctx.addIssue({ code: 'custom', path, message: `"${address}" is not an ${slice.addressType} address (addressType is ${slice.addressType})` });
      });
    });
  });
/** `discovery.k8s.io/v1` EndpointSlice as data. */
export type EndpointSlice = z.infer<typeof EndpointSlice>;

/**
 * The endpoint port of a Service port in one of the Service's own EndpointSlices, or
 * undefined when that slice does not serve it: matched by name and protocol; a slice
 * without ports stands for a numeric targetPort (or the port itself).
 */
export function slicePortFor(slice: EndpointSlice, servicePort: ServicePort): number | undefined {
  if (slice.ports === null || slice.ports === undefined) {
    if (servicePort.targetPort === undefined) return servicePort.port;
    return typeof servicePort.targetPort === 'number' ? servicePort.targetPort : undefined;
  }
  const match = slice.ports.find((p) => (p.name ?? '') === (servicePort.name ?? '') && p.protocol === servicePort.protocol);
  if (match === undefined) return undefined;
  // A null port means "all ports" upstream; the Service's own target is the best stand-in.
  return match.port ?? (typeof servicePort.targetPort === 'number' ? servicePort.targetPort : servicePort.port);
}
