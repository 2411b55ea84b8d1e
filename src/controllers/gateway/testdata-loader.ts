/**
 * Test helper: turns a gateway golden case (`testdata/<case>.in.yaml`) into a fleet
 * snapshot, `now`, controllerName, eastWest and policy inputs, with the bundle conventions of
 * `test/fleet-case.ts` (cluster annotation, `lintas.dev/test-raw` objects). An
 * optional first document `kind: GatewayTestCase` sets the options.
 * @module
 */
import type { FleetSnapshot } from '../../api/index.ts';
import type { PolicyInputs } from './policies.ts';
import { DEFAULT_NOW, loadFleetCase } from '../../../test/fleet-case.ts';

/** A decoded gateway golden case. */
export interface GatewayCase {
  readonly snapshot: FleetSnapshot;
  readonly now: string;
  readonly controllerName?: string;
  readonly eastWest?: boolean;
  /** Failover state, health exclusions and drained clusters (header field `policy`). */
  readonly policy?: PolicyInputs;
}

/** Decodes a gateway golden case; throws on anything malformed, naming the line. */
export function loadGatewayCase(text: string, file: string): GatewayCase {
  const { header, snapshot } = loadFleetCase<{ now: string; controllerName: string; eastWest: boolean; policy: PolicyInputs }>(text, file, 'GatewayTestCase');
  return {
    snapshot,
    now: header.now ?? DEFAULT_NOW,
    ...(header.controllerName !== undefined ? { controllerName: header.controllerName } : {}),
    ...(header.eastWest !== undefined ? { eastWest: header.eastWest } : {}),
    ...(header.policy !== undefined ? { policy: header.policy } : {}),
  };
}
