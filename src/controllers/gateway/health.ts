/**
 * Health settings of an upstream, from annotations on its Service until a policy
 * resource exists. Active HTTP checks are off unless a path is annotated; passive
 * outlier detection is always on. A value that does not parse is ignored and its
 * default used (the validator does not know these annotations yet).
 * @module
 */
import type { HealthCheckIR, OutlierDetectionIR } from '../../ir/index.ts';
import { parseGatewayDuration } from '../../lib/index.ts';

/** Annotation keys (on the Service) that configure an upstream's health. */
export const HealthAnnotation = {
  /** Enables active HTTP checks: the path to GET (must start with `/`). */
  path: 'lintas.dev/health-check-path',
  interval: 'lintas.dev/health-check-interval',
  timeout: 'lintas.dev/health-check-timeout',
  unhealthyThreshold: 'lintas.dev/health-check-unhealthy-threshold',
  healthyThreshold: 'lintas.dev/health-check-healthy-threshold',
  consecutive5xx: 'lintas.dev/outlier-consecutive-5xx',
  consecutiveGatewayErrors: 'lintas.dev/outlier-consecutive-gateway-errors',
  outlierInterval: 'lintas.dev/outlier-interval',
  baseEjectionTime: 'lintas.dev/outlier-base-ejection-time',
  maxEjectionTime: 'lintas.dev/outlier-max-ejection-time',
  maxEjectionPercent: 'lintas.dev/outlier-max-ejection-percent',
} as const;

/** Active check defaults (interval 1 s, timeout 500 ms, 2 failures down, 2 successes up). */
export const DEFAULT_HEALTH_CHECK: Omit<HealthCheckIR, 'path'> = Object.freeze({ intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 2, healthyThreshold: 2 });

/** Outlier detection defaults (Envoy's, with a 1 s interval so a dead endpoint leaves within ~2 s). */
export const DEFAULT_OUTLIER_DETECTION: OutlierDetectionIR = Object.freeze({
  consecutive5xx: 5,
  consecutiveGatewayErrors: 3,
  intervalMs: 1000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 50,
});

type Annotations = Readonly<Record<string, string>>;

/** A positive duration in ms, or the default. */
function duration(annotations: Annotations, key: string, fallback: number): number {
  const raw = annotations[key];
  const ms = raw === undefined ? undefined : parseGatewayDuration(raw.trim());
  return ms !== undefined && ms > 0 ? ms : fallback;
}

/** A whole number in [min, max], or the default. */
function integer(annotations: Annotations, key: string, fallback: number, min: number, max: number): number {
  const raw = annotations[key]?.trim();
  if (raw === undefined || !/^[0-9]{1,9}$/.test(raw)) return fallback;
  const n = Number(raw);
  return n >= min && n <= max ? n : fallback;
}

/** The active health check, when `lintas.dev/health-check-path` is set to an absolute path. */
export function healthCheckFrom(annotations: Annotations): HealthCheckIR | undefined {
  const path = annotations[HealthAnnotation.path]?.trim();
  if (path === undefined || !path.startsWith('/')) return undefined;
  return {
    path,
    intervalMs: duration(annotations, HealthAnnotation.interval, DEFAULT_HEALTH_CHECK.intervalMs),
    timeoutMs: duration(annotations, HealthAnnotation.timeout, DEFAULT_HEALTH_CHECK.timeoutMs),
    unhealthyThreshold: integer(annotations, HealthAnnotation.unhealthyThreshold, DEFAULT_HEALTH_CHECK.unhealthyThreshold, 1, 1000),
    healthyThreshold: integer(annotations, HealthAnnotation.healthyThreshold, DEFAULT_HEALTH_CHECK.healthyThreshold, 1, 1000),
  };
}

/** Outlier detection, defaults overridden per annotation (0 consecutive errors disables that trigger). */
export function outlierDetectionFrom(annotations: Annotations): OutlierDetectionIR {
  const d = DEFAULT_OUTLIER_DETECTION;
  const base = duration(annotations, HealthAnnotation.baseEjectionTime, d.baseEjectionTimeMs);
  return {
    consecutive5xx: integer(annotations, HealthAnnotation.consecutive5xx, d.consecutive5xx, 0, 1_000_000),
    consecutiveGatewayErrors: integer(annotations, HealthAnnotation.consecutiveGatewayErrors, d.consecutiveGatewayErrors, 0, 1_000_000),
    intervalMs: duration(annotations, HealthAnnotation.outlierInterval, d.intervalMs),
    baseEjectionTimeMs: base,
    // The cap never undercuts the base time, or the first ejection would already exceed it.
    maxEjectionTimeMs: Math.max(base, duration(annotations, HealthAnnotation.maxEjectionTime, d.maxEjectionTimeMs)),
    maxEjectionPercent: integer(annotations, HealthAnnotation.maxEjectionPercent, d.maxEjectionPercent, 0, 100),
  };
}
