/**
 * DNSPolicy status (GEP-713 policy attachment, as Kuadrant's DNSPolicy reports it):
 * `Accepted` says whether the policy attached (Accepted, Conflicted, TargetNotFound) and
 * `Enforced` whether Lintas answers for any of its hostnames (Enforced, NoHostnames), each
 * message naming what was attached, skipped or lost to an older policy. Pure.
 * @module
 */
import type { Condition } from '../../api/index.ts';
import { draft, settle, type DraftCondition } from '../gateway/conditions.ts';

/** DNSPolicy condition reasons. */
export const DNSPolicyReason = {
  Accepted: 'Accepted',
  Conflicted: 'Conflicted',
  TargetNotFound: 'TargetNotFound',
  Enforced: 'Enforced',
  NoHostnames: 'NoHostnames',
} as const;

/** What attaching one policy found. */
export interface AttachOutcome {
  /** Targets attached, in words (`Gateway regional`). */
  readonly gateways: string[];
  /** Targets an older policy holds, in words. */
  readonly conflicts: string[];
  /** Targets no cluster serves (no such Gateway, or it binds no address). */
  readonly missing: string[];
  /** Hostnames answered. */
  readonly hostnames: string[];
  /** Hostnames of attached Gateways that are not answered, with why. */
  readonly skipped: string[];
}

function list(items: readonly string[]): string {
  return items.join(', ');
}

/** The `Accepted` and `Enforced` conditions of one policy. */
export function dnsPolicyStatus(o: AttachOutcome, generation: number | undefined, previous: readonly Condition[] | undefined, now: string): Condition[] {
  const notes = [
    ...(o.conflicts.length > 0 ? [`${list(o.conflicts)}`] : []),
    ...(o.missing.length > 0 ? [`not found: ${list(o.missing)} (no cluster's Gateway binds an address)`] : []),
  ];
  let accepted: DraftCondition;
  if (o.gateways.length > 0) accepted = draft('Accepted', 'True', DNSPolicyReason.Accepted, `Attached to ${list(o.gateways)}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}.`, generation);
  else if (o.conflicts.length > 0) accepted = draft('Accepted', 'False', DNSPolicyReason.Conflicted, `${notes.join('; ')}.`, generation);
  else accepted = draft('Accepted', 'False', DNSPolicyReason.TargetNotFound, `No target is served by a Lintas Gateway yet: ${list(o.missing)}.`, generation);

  const skipped = o.skipped.length > 0 ? `; skipped ${list(o.skipped)}` : '';
  const enforced =
    o.hostnames.length > 0
      ? draft('Enforced', 'True', DNSPolicyReason.Enforced, `Authoritative for ${list(o.hostnames)}${skipped}.`, generation)
      : draft('Enforced', 'False', DNSPolicyReason.NoHostnames, `No hostname is answered: ${o.gateways.length === 0 ? 'the policy is attached to no Gateway' : o.skipped.length > 0 ? `skipped ${list(o.skipped)}` : 'no HTTPRoute with a hostname is attached to the targeted Gateways'}.`, generation);
  return settle([accepted, enforced], previous, now);
}
