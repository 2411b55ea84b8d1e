/**
 * GSLB (issue 18): DNSPolicies turn the public hostnames of the Gateways they target into
 * health-driven DNS answers. The pure translator, its types, and the runner that probes
 * every cluster's Gateway, feeds the verdicts back and audits every change of the answers.
 * @module
 */
export { translateGslb } from './translate.ts';
export { DNSPolicyReason } from './status.ts';
export { gslbProbeKey } from './types.ts';
export type { DNSPolicyWithStatus, GslbInput, GslbMove, GslbResult, ProbeTarget, ProbeVerdict } from './types.ts';
export { startGslbRunner, httpProbe } from './runner.ts';
export type { GslbMoveRecord, GslbRunner, GslbRunnerOptions, GslbSources } from './runner.ts';
export { ProbeBook } from './probes.ts';
export type { ProbeOutcome, ProbeState } from './probes.ts';
