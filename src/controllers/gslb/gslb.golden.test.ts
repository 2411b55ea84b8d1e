/**
 * Golden tests of the GSLB translator: each `testdata/<case>.in.yaml` is a `GslbTestCase`
 * header (probe verdicts, health-contract exclusions, drains, failover moves) plus the
 * DNSPolicies and any extra objects; `testdata/fleet.base.yaml` (four clusters in three
 * regions with their regional Gateways and routes) is appended to every case. The MCS and
 * gateway translators run first, as in `lintas serve`; the output is every DNSPolicy's
 * status, the public DNS IR and the probes.
 *
 * Regenerate: LINTAS_UPDATE_GOLDEN=1 node --import tsx --test src/controllers/gslb/gslb.golden.test.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DEFAULT_NOW, loadFleetCase } from '../../../test/fleet-case.ts';
import { goldenTests } from '../../../test/golden.ts';
import { translateGateway } from '../gateway/index.ts';
import { EMPTY_MCS_STATE, translateMcs } from '../mcs/index.ts';
import { translateGslb } from './translate.ts';
import type { GslbInput } from './types.ts';

const dir = fileURLToPath(new URL('./testdata', import.meta.url));
const base = readFileSync(`${dir}/fleet.base.yaml`, 'utf8');

type Header = Pick<GslbInput, 'probes' | 'excluded' | 'drained' | 'ownership' | 'serial' | 'now'>;

goldenTests({
  dir,
  run: (input, caseName) => {
    const { header, snapshot } = loadFleetCase<Header>(`${input}\n---\n${base}`, `${caseName}.in.yaml`, 'GslbTestCase');
    const now = header.now ?? DEFAULT_NOW;
    const mcs = translateMcs({ snapshot, now, state: EMPTY_MCS_STATE });
    const gateway = translateGateway({ snapshot, mcs, now });
    const result = translateGslb({
      fleetObjects: snapshot.fleetObjects,
      gateway: gateway.ir,
      now,
      ...(header.probes !== undefined ? { probes: header.probes } : {}),
      ...(header.excluded !== undefined ? { excluded: header.excluded } : {}),
      ...(header.drained !== undefined ? { drained: header.drained } : {}),
      ...(header.ownership !== undefined ? { ownership: header.ownership } : {}),
      ...(header.serial !== undefined ? { serial: header.serial } : {}),
    });
    return stringify(
      {
        dnsPolicies: result.dnsPolicies.map((p) => ({ name: `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, status: p.status })),
        ir: result.ir,
        probes: result.probes,
      },
      { sortMapEntries: false, lineWidth: 0, aliasDuplicateObjects: false },
    );
  },
});
