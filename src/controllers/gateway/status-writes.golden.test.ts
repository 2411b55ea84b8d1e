/**
 * Golden tests of the Gateway API status write-back plan: each `testdata-status/<case>.in.yaml` is a
 * gateway bundle (see `testdata-loader.ts`); the MCS and gateway translators run as in `lintas serve`,
 * then {@link planGatewayStatus} with the clusters read from an API server: those whose Cluster names a
 * kubeconfig context (annotation `lintas.dev/kubeconfig-context`). A fleet object with the annotation
 * `lintas.dev/test-api-server: <cluster>` came from that cluster's API server. DNSPolicies get the GSLB
 * translation's conditions.
 *
 * Regenerate: LINTAS_UPDATE_GOLDEN=1 node --import tsx --test src/controllers/gateway/status-writes.golden.test.ts
 */
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { goldenTests } from '../../../test/golden.ts';
import { translateGslb } from '../gslb/translate.ts';
import { EMPTY_MCS_STATE, translateMcs } from '../mcs/index.ts';
import { planGatewayStatus, type LiveRoute } from './status-writes.ts';
import { loadGatewayCase } from './testdata-loader.ts';
import { translateGateway } from './translate.ts';

goldenTests({
  dir: fileURLToPath(new URL('./testdata-status', import.meta.url)),
  run: (input, caseName) => {
    const c = loadGatewayCase(input, `${caseName}.in.yaml`);
    const mcs = translateMcs({ snapshot: c.snapshot, now: c.now, state: EMPTY_MCS_STATE });
    const result = translateGateway({ snapshot: c.snapshot, mcs, now: c.now, ...(c.policy !== undefined ? { policy: c.policy } : {}) });
    const fleet = c.snapshot.fleetObjects.map((s) => s.object);
    const watched = new Set(fleet.filter((o) => o.kind === 'Cluster' && o.metadata.annotations?.['lintas.dev/kubeconfig-context'] !== undefined).map((o) => o.metadata.name));
    const originOf = (kind: string, namespace: string, name: string): string | undefined =>
      fleet.find((o) => o.kind === kind && (o.metadata.namespace ?? '') === namespace && o.metadata.name === name)?.metadata.annotations?.['lintas.dev/test-api-server'];
    const liveRoutes = [...c.snapshot.clusters.values()].flatMap((cl) => cl.objects.filter((s) => s.object.kind === 'HTTPRoute').map((s) => ({ cluster: cl.cluster as string, route: s.object as unknown as LiveRoute['route'] })));
    const gslb = translateGslb({ fleetObjects: c.snapshot.fleetObjects, gateway: result.ir, now: c.now });
    return stringify(planGatewayStatus(result, { clusters: watched, originOf, liveRoutes, lintasObjects: gslb.dnsPolicies }), { sortMapEntries: false, lineWidth: 0, aliasDuplicateObjects: false });
  },
});
