/**
 * Test helper (used only by tests): the GSLB golden fleet (`testdata/fleet.base.yaml`, four
 * clusters in three regions with their regional Gateways) plus the given DNSPolicy documents,
 * run through the MCS and gateway translators as `lintas serve` does, as runner sources.
 * @module
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_NOW, loadFleetCase } from '../../../test/fleet-case.ts';
import { translateGateway } from '../gateway/index.ts';
import { EMPTY_MCS_STATE, translateMcs } from '../mcs/index.ts';
import type { GslbSources } from './runner.ts';

const BASE = readFileSync(new URL('./testdata/fleet.base.yaml', import.meta.url), 'utf8');

/** Sources for a runner: the base fleet with `policies` (YAML documents) added. */
export function gslbTestSources(policies: string): GslbSources {
  const { snapshot } = loadFleetCase(`${policies}\n---\n${BASE}`, 'gslb-test.yaml', 'GslbTestCase');
  const mcs = translateMcs({ snapshot, now: DEFAULT_NOW, state: EMPTY_MCS_STATE });
  return { fleetObjects: snapshot.fleetObjects, gateway: translateGateway({ snapshot, mcs, now: DEFAULT_NOW }).ir };
}
