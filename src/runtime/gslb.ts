/**
 * The global-entry (GSLB, issue 18) component: the public zones of the fleet's DNSPolicies,
 * answered by the DNS component, from the latest fleet snapshot, Gateway IR, health exclusions,
 * drains and failover moves (all read from the bus or the gateway component), with each answer
 * move audited through the runtime's fenced store.
 * @module
 */
import type { Agent } from 'node:http';
import type { Registry } from 'prom-client';
import { excludedByHealth, httpProbe, type GslbSources, type HealthReport, type PolicyInputs } from '../controllers/index.ts';
import type { Logger } from '../observability/index.ts';
import type { LintasStore } from '../store/index.ts';
import type { Bus } from './bus.ts';
import type { Component } from './component.ts';
import type { GatewayComponent } from './data-plane.ts';
import { startGslbService, type GslbService } from './gslb-service.ts';

// Stable empties: the GSLB runner re-translates only when a source changes identity.
const NONE_DRAINED: readonly string[] = [];
const NO_OWNERSHIP: NonNullable<PolicyInputs['ownership']> = {};
const NOT_EXCLUDED: NonNullable<PolicyInputs['excluded']> = {};

/** The GSLB component, and what the DNS component, the alerts and `lintas up` read of it. */
export interface GslbComponent extends Component {
  service(): GslbService | undefined;
  /** The public hostnames answered now (DNSPolicy), sorted. */
  hostnames(): readonly string[];
}

/** Options of {@link gslbComponent}. */
export interface GslbComponentOptions {
  readonly bus: Bus;
  readonly gateway: GatewayComponent;
  /** Where answer moves are audited (the runtime's fenced store: only the leader's land). */
  readonly store: LintasStore;
  readonly registry: Registry;
  readonly log: Logger;
  /** This DNS instance's name in the audit trail. */
  readonly instance?: string;
  /** The HTTP agent of the Gateway probes (`lintas up --kube`: one that connects from inside the sandbox's network). */
  readonly probeAgent?: Agent;
}

/** Creates the GSLB component. */
export function gslbComponent(options: GslbComponentOptions): GslbComponent {
  const { bus } = options;
  let service: GslbService | undefined;
  // One exclusion map per health report, so an unchanged report keeps its identity.
  let excludedFor: { report: HealthReport; excluded: NonNullable<PolicyInputs['excluded']> } | undefined;
  const excluded = (): NonNullable<PolicyInputs['excluded']> => {
    const report = bus.health.get('latest');
    if (report === undefined) return NOT_EXCLUDED;
    if (excludedFor?.report !== report) excludedFor = { report, excluded: excludedByHealth(report) };
    return excludedFor.excluded;
  };
  const sources = (): GslbSources | undefined => {
    const mcs = bus.mcs.get('latest');
    if (mcs === undefined) return undefined;
    const failover = bus.failover.get('latest');
    return {
      fleetObjects: mcs.snapshot.fleetObjects,
      gateway: options.gateway.latest()?.ir,
      excluded: excluded(),
      drained: failover?.drained ?? NONE_DRAINED,
      ownership: failover?.ownership ?? NO_OWNERSHIP,
    };
  };
  return {
    name: 'gslb',
    async start() {
      service = startGslbService({
        log: options.log,
        sources,
        publicDns: bus.publicDns,
        audit: (drafts) => options.store.append(drafts),
        ...(options.instance !== undefined ? { instance: options.instance } : {}),
        ...(options.probeAgent !== undefined ? { probe: httpProbe(options.probeAgent) } : {}),
      });
      service.registerMetrics(options.registry);
    },
    async stop() {
      service?.close();
    },
    health: () => {
      const why = service === undefined ? 'public DNS not started' : service.notReady();
      return why === undefined ? { ready: true } : { ready: false, detail: why };
    },
    service: () => service,
    hostnames: () => (service?.runner.current().ir.zones.flatMap((z) => z.hosts.map((h) => h.hostname)) ?? []).sort(),
  };
}
