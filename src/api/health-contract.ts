/**
 * `lintas.dev/v1alpha1` HealthContract: the regional health contract of one service
 * (seed 000 §12.1). Besides pod readiness, Lintas evaluates per cluster **regional
 * readiness** (ready fraction and dependency probes), **failover readiness** (replication
 * lag and headroom) and **business readiness** (a synthetic transaction), and routes on
 * regional readiness: a cluster that fails it gets no traffic for the service even when its
 * pods are Ready (seed 000 §19.1, the blackhole pattern).
 * @module
 */
import { z } from 'zod';
import { DNSLabel, DNSSubdomain, GatewayDuration } from './fields.ts';
import { HTTPMethod } from './httproute.ts';
import { LINTAS_V1ALPHA1 } from './lintas.ts';
import { ObjectMeta } from './meta.ts';
import { flagDuplicateNames, HTTPRequestPath, ServiceTargetRef } from './traffic-policy.ts';
import { parseGatewayDuration } from '../lib/index.ts';

/** The ready fraction a cluster needs when `regional.minReadyFraction` is not set. */
export const DEFAULT_MIN_READY_FRACTION = 0.5;

/** An HTTP GET probed on the service's endpoints in each cluster; 2xx passes. */
export const HTTPProbe = z.looseObject({ path: HTTPRequestPath });

/** A dependency the service needs in its region (database, broker, signing keys...). */
export const HealthDependency = z.looseObject({ name: DNSLabel, http: HTTPProbe });

/** `spec.regional`: should this region receive user traffic for the service? */
export const RegionalHealth = z.looseObject({
  /** Ready endpoints / all endpoints of the service in the cluster, 0..1. */
  minReadyFraction: z.number().min(0).max(1).default(DEFAULT_MIN_READY_FRACTION),
  dependencies: z.array(HealthDependency).default([]),
});

/** `spec.failover`: is this cluster safe to take over as owner? */
export const FailoverHealth = z.looseObject({
  /** The probe's body is a number of seconds; above `maxSeconds` the cluster is not failover-ready. */
  replicationLag: z.looseObject({ http: HTTPProbe, maxSeconds: z.number().min(0) }).optional(),
  /** Spare capacity the cluster must have, as a fraction 0..1. */
  minHeadroomFraction: z.number().min(0).max(1).optional(),
});

/** One step of the synthetic transaction; `path` may use values of earlier responses (`{{.id}}`). */
export const SyntheticStep = z.looseObject({
  method: HTTPMethod,
  path: HTTPRequestPath,
  expectStatus: z.int().min(100).max(599),
  /** A string is sent as is, anything else as JSON. */
  body: z.unknown().optional(),
});

/** `spec.synthetic`: business readiness, run outside the hot path every `interval`. */
export const SyntheticCheck = z
  .looseObject({ interval: GatewayDuration, steps: z.array(SyntheticStep).min(1, 'must have at least one step') })
  .superRefine((s, ctx) => {
    if (parseGatewayDuration(s.interval) === 0) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'must be greater than 0s: the transaction would run back to back' });
  });

/** HealthContract spec, with defaults filled in. */
export const HealthContractSpec = z
  .looseObject({
    targetRef: ServiceTargetRef,
    regional: RegionalHealth.prefault({}),
    failover: FailoverHealth.optional(),
    synthetic: SyntheticCheck.optional(),
  })
  .superRefine((spec, ctx) => {
    const names = spec.regional.dependencies.map((d) => d.name);
    flagDuplicateNames(names, ['regional', 'dependencies'], ctx, 'dependency');
  });
/** HealthContract spec as data. */
export type HealthContractSpec = z.infer<typeof HealthContractSpec>;

/** `lintas.dev/v1alpha1` HealthContract (namespaced, fleet-scoped: evaluated in every cluster that serves the target). */
export const HealthContract = z.looseObject({
  apiVersion: z.literal(LINTAS_V1ALPHA1),
  kind: z.literal('HealthContract'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: HealthContractSpec,
});
/** HealthContract as data. */
export type HealthContract = z.infer<typeof HealthContract>;
