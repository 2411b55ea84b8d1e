import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_OUTLIER_DETECTION, HealthAnnotation, healthCheckFrom, outlierDetectionFrom } from './health.ts';

describe('healthCheckFrom', () => {
  it('is off without an absolute path', () => {
    assert.equal(healthCheckFrom({}), undefined);
    assert.equal(healthCheckFrom({ [HealthAnnotation.path]: 'healthz' }), undefined);
  });
  it('applies defaults and overrides, ignoring values that do not parse', () => {
    assert.deepEqual(healthCheckFrom({ [HealthAnnotation.path]: '/healthz' }), { path: '/healthz', intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 2, healthyThreshold: 2 });
    assert.deepEqual(
      healthCheckFrom({
        [HealthAnnotation.path]: '/ready',
        [HealthAnnotation.interval]: '5s',
        [HealthAnnotation.timeout]: '1.5s',
        [HealthAnnotation.unhealthyThreshold]: '3',
        [HealthAnnotation.healthyThreshold]: '0',
      }),
      { path: '/ready', intervalMs: 5000, timeoutMs: 500, unhealthyThreshold: 3, healthyThreshold: 2 },
    );
  });
});

describe('outlierDetectionFrom', () => {
  it('is always on with defaults', () => {
    assert.deepEqual(outlierDetectionFrom({}), DEFAULT_OUTLIER_DETECTION);
  });
  it('takes overrides, 0 disables a trigger, and the cap never undercuts the base time', () => {
    const o = outlierDetectionFrom({
      [HealthAnnotation.consecutive5xx]: '0',
      [HealthAnnotation.consecutiveGatewayErrors]: '7',
      [HealthAnnotation.outlierInterval]: '250ms',
      [HealthAnnotation.baseEjectionTime]: '10m',
      [HealthAnnotation.maxEjectionTime]: '1m',
      [HealthAnnotation.maxEjectionPercent]: '101',
    });
    assert.deepEqual(o, { consecutive5xx: 0, consecutiveGatewayErrors: 7, intervalMs: 250, baseEjectionTimeMs: 600_000, maxEjectionTimeMs: 600_000, maxEjectionPercent: 50 });
  });
});
