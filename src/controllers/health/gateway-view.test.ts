/** Tests of folding the gateways' view (active checks, outlier ejections) into regional readiness. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HealthContractSpec } from '../../api/index.ts';
import { evaluateCluster } from './evaluate.ts';
import { withGatewayView } from './gateway-view.ts';
import type { GatewayEndpointView, HealthTarget, TargetEndpoint } from './types.ts';

const NOW = '2026-05-01T12:00:00.000Z';
const SPEC = HealthContractSpec.parse({ targetRef: { kind: 'ServiceImport', name: 'public-case-api' } });

const ep = (n: number, ready = true): TargetEndpoint => ({ address: `10.0.0.${n}`, port: 8080, ready });

function target(endpoints: TargetEndpoint[], kind: HealthTarget['kind'] = 'ServiceImport'): HealthTarget {
  return { contract: 'cases/cases', service: 'cases/public-case-api', kind, spec: SPEC, clusters: [{ cluster: 'sgp', endpoints }] };
}

function seen(n: number, state: GatewayEndpointView['state'], extra: Partial<GatewayEndpointView> = {}): GatewayEndpointView {
  return { upstream: 'ServiceImport/cases/public-case-api:8080', kind: 'ServiceImport', namespace: 'cases', name: 'public-case-api', address: `10.0.0.${n}`, port: 8080, cluster: 'sgp', state, ...extra };
}

const regional = (t: HealthTarget) => evaluateCluster({ spec: SPEC, target: t.clusters[0]!, probes: [], now: NOW }).regional;

describe('withGatewayView', () => {
  it('marks Ready endpoints the gateways keep out, matching service kind, name, address and port', () => {
    const out = withGatewayView(
      [target([ep(1), ep(2), ep(3), ep(4, false)])],
      [
        seen(1, 'ejected'),
        seen(2, 'unhealthy'),
        seen(3, 'healthy'),
        seen(4, 'ejected'),
        // Another service, another kind, another port: not this target's endpoints.
        seen(3, 'ejected', { name: 'other' }),
        seen(3, 'ejected', { kind: 'Service' }),
        seen(3, 'ejected', { port: 9090 }),
      ],
    );
    assert.deepEqual(out[0]?.clusters[0]?.endpoints, [
      { address: '10.0.0.1', port: 8080, ready: true, gateway: 'ejected' },
      { address: '10.0.0.2', port: 8080, ready: true, gateway: 'unhealthy' },
      { address: '10.0.0.3', port: 8080, ready: true },
      // Not Ready in its slice: the slice already says so.
      { address: '10.0.0.4', port: 8080, ready: false },
    ]);
  });

  it('an endpoint one upstream ejects and another finds unhealthy is unhealthy (the current signal)', () => {
    const out = withGatewayView([target([ep(1)])], [seen(1, 'ejected'), seen(1, 'unhealthy'), seen(1, 'ejected')]);
    assert.equal(out[0]?.clusters[0]?.endpoints[0]?.gateway, 'unhealthy');
  });

  it('leaves the targets as they are when the gateways keep nothing out', () => {
    const t = target([ep(1), ep(2)]);
    assert.deepEqual(withGatewayView([t], [seen(1, 'healthy')]), [t]);
  });
});

describe('regional readiness with the gateways\' view (seed 000 §19.1, blackhole)', () => {
  it('Ready-but-dead endpoints do not keep a region ready', () => {
    const endpoints = [ep(1), ep(2)];
    // Without the gateways' view: both Ready in the slice, the region looks ready.
    assert.equal(regional(target(endpoints)).ok, true);
    const blackhole = withGatewayView([target(endpoints)], [seen(1, 'ejected'), seen(2, 'unhealthy')])[0]!;
    const verdict = regional(blackhole);
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.checks[0], {
      name: 'ready fraction',
      ok: false,
      value: 0,
      threshold: 0.5,
      detail: '0/2 = 0 < 0.5 (2 Ready in EndpointSlices; 1 ejected, 1 failing health checks at the gateways)',
    });
  });

  it('one ejected endpoint of two is still at the threshold', () => {
    const half = withGatewayView([target([ep(1), ep(2)])], [seen(1, 'ejected')])[0]!;
    assert.deepEqual(regional(half).checks[0], {
      name: 'ready fraction',
      ok: true,
      value: 0.5,
      threshold: 0.5,
      detail: '1/2 = 0.5 ≥ 0.5 (2 Ready in EndpointSlices; 1 ejected at the gateways)',
    });
  });
});
