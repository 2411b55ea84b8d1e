/**
 * What the rest of Lintas reads from a health report: the clusters routing must skip
 * (regional readiness false: seed 000 §19.1, the blackhole pattern), whether any verdict
 * flipped since the last round (so the gateway re-translates only then), and the first
 * failing check in words. Pure.
 * @module
 */
import { compareStrings } from '../../lib/index.ts';
import type { CheckEvidence, ClusterHealth, HealthReport, LayerVerdict } from './types.ts';

/** The health layers, in the order they are shown and searched for a failure. */
export const HEALTH_LAYERS = ['ready', 'regional', 'failover', 'business'] as const;
/** One of {@link HEALTH_LAYERS}. */
export type HealthLayer = (typeof HEALTH_LAYERS)[number];

/** A cluster taken out of a service's routing, with why. */
export interface HealthExclusion {
  readonly cluster: string;
  readonly reason: string;
}

/** A check in words: its name and measurement, e.g. `dependency case-db 0/2 endpoints`. */
export function describeCheck(check: CheckEvidence): string {
  if (check.detail !== undefined) return `${check.name} ${check.detail}`;
  if (check.value !== undefined) return `${check.name} ${String(check.value)}${check.threshold !== undefined ? ` (threshold ${String(check.threshold)})` : ''}`;
  return check.name;
}

/** The first failing check of a layer, if the layer failed. */
export function failingCheck(layer: LayerVerdict): CheckEvidence | undefined {
  return layer.ok === false ? layer.checks.find((c) => !c.ok) : undefined;
}

/** The first failing check of a cluster across the layers, in layer order. */
export function firstFailing(health: ClusterHealth): { readonly layer: HealthLayer; readonly check: CheckEvidence } | undefined {
  for (const layer of HEALTH_LAYERS) {
    const check = failingCheck(health[layer]);
    if (check !== undefined) return { layer, check };
  }
  return undefined;
}

/**
 * The key of a target in {@link excludedByHealth}: `Kind/ns/name` (e.g.
 * `ServiceImport/cases/public-case-api`), so a Service and a ServiceImport of the same
 * name never exclude each other.
 */
export function exclusionKey(kind: 'ServiceImport' | 'Service', service: string): string {
  return `${kind}/${service}`;
}

/**
 * Clusters to exclude from routing, by target {@link exclusionKey} (`Kind/ns/name`), sorted by
 * cluster: those whose regional readiness is false. Failover and business readiness never
 * exclude: they gate failover decisions and alerts, not everyday traffic. When two contracts
 * target the same service, a cluster is excluded when either says so (the first in report
 * order names the reason).
 */
export function excludedByHealth(report: HealthReport): Record<string, HealthExclusion[]> {
  const byService = new Map<string, Map<string, HealthExclusion>>();
  for (const s of report.services) {
    for (const c of s.clusters) {
      if (c.regional.ok !== false) continue;
      const check = failingCheck(c.regional);
      const reason = `regional readiness false: ${check !== undefined ? describeCheck(check) : 'no check passed'}`;
      const key = exclusionKey(s.kind, s.service);
      let m = byService.get(key);
      if (m === undefined) {
        m = new Map();
        byService.set(key, m);
      }
      if (!m.has(c.cluster)) m.set(c.cluster, { cluster: c.cluster, reason });
    }
  }
  const out: Record<string, HealthExclusion[]> = {};
  for (const key of [...byService.keys()].sort(compareStrings)) {
    out[key] = [...(byService.get(key)?.values() ?? [])].sort((a, b) => compareStrings(a.cluster, b.cluster));
  }
  return out;
}

/** `contract|service|cluster` → the four verdicts, for comparing rounds. */
function verdicts(report: HealthReport | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of report?.services ?? []) {
    for (const c of s.clusters) m.set(`${s.contract}|${s.service}|${c.cluster}`, HEALTH_LAYERS.map((l) => String(c[l].ok)).join(','));
  }
  return m;
}

/**
 * Whether any layer's verdict differs between two reports, counting a cluster or contract
 * that appeared or went away as a change. Evidence values alone (a lag of 2s, then 3s) are no change.
 */
export function healthChanged(previous: HealthReport | undefined, next: HealthReport): boolean {
  const a = verdicts(previous);
  const b = verdicts(next);
  if (a.size !== b.size) return true;
  for (const [key, value] of b) if (a.get(key) !== value) return true;
  return false;
}

/**
 * One cluster's verdicts in the shape the failover reducer's `Health` event carries
 * (structurally its `HealthObservation`, without importing that controller). Lag,
 * headroom and business readiness are present only when they were measured.
 */
export function healthObservation(health: ClusterHealth): {
  cluster: string;
  regionalReady: boolean;
  failoverReady?: boolean;
  dependenciesReady?: boolean;
  businessReady?: boolean;
  headroomFraction?: number;
  replicationLagSeconds?: number;
  at: string;
} {
  const value = (layer: LayerVerdict, name: string): number | undefined => {
    const v = layer.checks.find((c) => c.name === name)?.value;
    return typeof v === 'number' ? v : undefined;
  };
  const dependencies = health.regional.checks.filter((c) => c.name.startsWith('dependency '));
  const headroomFraction = value(health.failover, 'headroom');
  const replicationLagSeconds = value(health.failover, 'replication lag');
  return {
    cluster: health.cluster,
    regionalReady: health.regional.ok === true,
    ...(health.failover.ok !== null ? { failoverReady: health.failover.ok } : {}),
    // No dependencies declared: nothing is down (the dependenciesReady guardrail must not block on silence).
    dependenciesReady: dependencies.every((c) => c.ok),
    // Only when a synthetic transaction runs: silence is no verdict.
    ...(health.business.ok !== null ? { businessReady: health.business.ok } : {}),
    ...(headroomFraction !== undefined ? { headroomFraction } : {}),
    ...(replicationLagSeconds !== undefined ? { replicationLagSeconds } : {}),
    at: health.evaluatedAt,
  };
}
