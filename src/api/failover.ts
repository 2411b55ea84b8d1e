/**
 * `lintas.dev/v1alpha1` FailoverPolicy: how the ownership domain of a
 * TrafficPolicy fails over from one cluster to others — by whom (mode), after
 * which dwell, behind which guardrails and approvals, and how it fails back
 * (seed 000 §11.3, §20, §23; seed 001 §14.1).
 *
 * The superRefine rules play the part of a CRD's CEL validations: they refuse
 * contradictions that would make the state machine unsafe or meaningless.
 * @module
 */
import { z } from 'zod';
import { DNSLabel, DNSSubdomain, GatewayDuration } from './fields.ts';
import { LINTAS_GROUP, LINTAS_V1ALPHA1 } from './lintas.ts';
import { ObjectMeta } from './meta.ts';
import { parseGatewayDuration } from '../lib/index.ts';

/** Who may trigger a transition (seed 000 §20.2): Lintas alone, Lintas with approvals, or only an operator. */
export const FailoverMode = z.enum(['Automatic', 'Guarded', 'Manual']);
/** Automatic | Guarded | Manual. */
export type FailoverMode = z.infer<typeof FailoverMode>;

/** The failover dwell when `detection.unhealthyFor` is not set. */
export const DEFAULT_UNHEALTHY_FOR = '30s';
/** The failback stability window when `failback.stableFor` is not set. */
export const DEFAULT_STABLE_FOR = '10m';
/** Approvals a Guarded or Manual transition needs when `approvals` is not set. */
export const DEFAULT_REQUIRED_APPROVALS = 1;

/** The ownership domain a FailoverPolicy governs: a TrafficPolicy in the policy's namespace. */
export const FailoverTargetRef = z.looseObject({
  group: z.literal(LINTAS_GROUP).default(LINTAS_GROUP),
  kind: z.literal('TrafficPolicy'),
  name: DNSSubdomain,
});

/** Checks on the destination cluster that must all pass before ownership moves (seed 000 §20.3). */
export const FailoverGuardrails = z.looseObject({
  /** The destination's regional readiness (health contract) must be true. */
  secondaryRegionalReady: z.boolean().default(true),
  /** The destination's dependency checks must pass. */
  dependenciesReady: z.boolean().default(true),
  /** Spare capacity the destination must report, as a fraction 0..1; unchecked when absent. */
  minHeadroomFraction: z.number().min(0).max(1).optional(),
  /** Largest replication lag the destination may report; unchecked when absent. */
  maxReplicationLagSeconds: z.number().min(0).optional(),
});

/** FailoverPolicy spec, with defaults filled in. */
export const FailoverPolicySpec = z
  .looseObject({
    targetRef: FailoverTargetRef,
    mode: FailoverMode.default('Guarded'),
    /** The owner cluster(s) whose ownership fails over; each is its own state machine. */
    from: z.union([DNSLabel, z.array(DNSLabel).min(1)]),
    /** Destinations in order of preference. */
    to: z.array(DNSLabel).min(1, 'must name at least one destination cluster'),
    detection: z.looseObject({ unhealthyFor: GatewayDuration.default(DEFAULT_UNHEALTHY_FOR) }).prefault({}),
    guardrails: FailoverGuardrails.prefault({}),
    // No default object: whether approvals were written at all matters to the Automatic check below.
    approvals: z
      .looseObject({
        required: z.int().min(0).default(DEFAULT_REQUIRED_APPROVALS),
        distinctFromProposer: z.boolean().default(true),
      })
      .optional(),
    failback: z
      .looseObject({
        mode: FailoverMode.default('Manual'),
        stableFor: GatewayDuration.default(DEFAULT_STABLE_FOR),
      })
      .prefault({}),
  })
  .superRefine((spec, ctx) => {
    const sources = typeof spec.from === 'string' ? [spec.from] : spec.from;
    if (Array.isArray(spec.from)) flagDuplicates(spec.from, 'from', ctx);
    flagDuplicates(spec.to, 'to', ctx);
    spec.to.forEach((cluster, i) => {
      if (sources.includes(cluster)) {
        ctx.addIssue({ code: 'custom', path: ['to', i], message: `must not name "${cluster}": it is the owner being failed over (.spec.from)` });
      }
    });

    if (parseGatewayDuration(spec.detection.unhealthyFor) === 0) {
      ctx.addIssue({ code: 'custom', path: ['detection', 'unhealthyFor'], message: 'must be greater than 0s: without a dwell, one failed health evaluation proposes a failover' });
    }
    if (parseGatewayDuration(spec.failback.stableFor) === 0) {
      ctx.addIssue({ code: 'custom', path: ['failback', 'stableFor'], message: 'must be greater than 0s: failing back into a region that only just recovered flaps' });
    }

    const modes = [
      { mode: spec.mode, field: 'mode' },
      { mode: spec.failback.mode, field: 'failback.mode' },
    ];
    const required = spec.approvals?.required ?? DEFAULT_REQUIRED_APPROVALS;
    for (const { mode, field } of modes) {
      if (mode === 'Guarded' && required === 0) {
        ctx.addIssue({ code: 'custom', path: ['approvals', 'required'], message: `must be at least 1 when ${field} is Guarded; use Automatic to act without approval` });
      }
      if (mode !== 'Automatic') continue;
      if (!spec.guardrails.secondaryRegionalReady) {
        ctx.addIssue({ code: 'custom', path: ['guardrails', 'secondaryRegionalReady'], message: `must be true when ${field} is Automatic: Lintas never moves ownership on its own to a region whose health it has not checked` });
      }
      if (!spec.guardrails.dependenciesReady) {
        ctx.addIssue({ code: 'custom', path: ['guardrails', 'dependenciesReady'], message: `must be true when ${field} is Automatic: a destination with broken dependencies is a worse region` });
      }
      if (spec.guardrails.minHeadroomFraction === undefined) {
        ctx.addIssue({ code: 'custom', path: ['guardrails', 'minHeadroomFraction'], message: `is required when ${field} is Automatic: automatic failover needs a capacity check` });
      }
    }
    if (spec.approvals !== undefined && spec.approvals.required > 0 && spec.mode === 'Automatic' && spec.failback.mode === 'Automatic') {
      ctx.addIssue({ code: 'custom', path: ['approvals', 'required'], message: 'is never used: mode and failback.mode are both Automatic, which act without approvals; use Guarded to require them' });
    }
  });
/** FailoverPolicy spec as data. */
export type FailoverPolicySpec = z.infer<typeof FailoverPolicySpec>;

/** `lintas.dev/v1alpha1` FailoverPolicy (namespaced, fleet-scoped: one state machine per owner for the whole fleet). */
export const FailoverPolicy = z.looseObject({
  apiVersion: z.literal(LINTAS_V1ALPHA1),
  kind: z.literal('FailoverPolicy'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: FailoverPolicySpec,
});
/** FailoverPolicy as data. */
export type FailoverPolicy = z.infer<typeof FailoverPolicy>;

/** The owner clusters a policy governs, in the order written (`from` may be one name or a list). */
export function failoverSources(spec: FailoverPolicySpec): readonly string[] {
  return typeof spec.from === 'string' ? [spec.from] : spec.from;
}

function flagDuplicates(names: readonly string[], field: string, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [field, i], message: `duplicate cluster "${name}" (also .spec.${field}[${first}])` });
    else seen.set(name, i);
  });
}
