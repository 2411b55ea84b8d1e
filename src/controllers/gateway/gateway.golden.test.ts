/**
 * Golden tests of the gateway translator: each `testdata/<case>.in.yaml` is a bundle of
 * objects placed in clusters by the `lintas.dev/cluster` annotation (see
 * `testdata-loader.ts`). The MCS translator runs first (as in `lintas serve`), then the
 * gateway translator; the output is the status of every Lintas GatewayClass, Gateway,
 * HTTPRoute, GRPCRoute, TrafficPolicy and BackendTLSPolicy plus the Gateway IR, as YAML.
 *
 * Regenerate: LINTAS_UPDATE_GOLDEN=1 node --import tsx --test src/controllers/gateway/gateway.golden.test.ts
 */
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { goldenTests } from '../../../test/golden.ts';
import { EMPTY_MCS_STATE, translateMcs } from '../mcs/index.ts';
import { loadGatewayCase } from './testdata-loader.ts';
import { translateGateway } from './translate.ts';

goldenTests({
  dir: fileURLToPath(new URL('./testdata', import.meta.url)),
  run: (input, caseName) => {
    const c = loadGatewayCase(input, `${caseName}.in.yaml`);
    const mcs = translateMcs({ snapshot: c.snapshot, now: c.now, state: EMPTY_MCS_STATE });
    const result = translateGateway({ snapshot: c.snapshot, mcs, now: c.now, ...(c.controllerName !== undefined ? { controllerName: c.controllerName } : {}), ...(c.eastWest !== undefined ? { eastWest: c.eastWest } : {}), ...(c.policy !== undefined ? { policy: c.policy } : {}) });
    const named = (cluster: string, o: { metadata: { namespace?: string; name: string }; status: unknown }): Record<string, unknown> => ({
      cluster,
      name: o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name,
      status: o.status,
    });
    return stringify(
      {
        gatewayClasses: result.gatewayClasses.map((c) => named(c.cluster, c.gatewayClass)),
        gateways: result.gateways.map((g) => named(g.cluster, g.gateway)),
        httpRoutes: result.httpRoutes.map((r) => named(r.cluster, r.route)),
        ...(result.grpcRoutes.length > 0 ? { grpcRoutes: result.grpcRoutes.map((r) => named(r.cluster, r.route)) } : {}),
        // Only cases with policies print them, so the older goldens stay as they were.
        ...(result.trafficPolicies.length > 0 ? { trafficPolicies: result.trafficPolicies.map((p) => named('fleet', p)) } : {}),
        ...(result.backendTLSPolicies.length > 0 ? { backendTLSPolicies: result.backendTLSPolicies.map((p) => named(p.cluster, p.policy)) } : {}),
        ir: result.ir,
      },
      { sortMapEntries: false, lineWidth: 0, aliasDuplicateObjects: false },
    );
  },
});
