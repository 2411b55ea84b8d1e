/**
 * The `lintas gateway` processes as the rest of the runtime sees them: their config stream's
 * ACK/NACK records (bus.streamAcks, written by the stream routes) and the desired configs
 * (bus.gatewayConfigs) folded into one `DataPlaneServing` per cluster in bus.dataplanes, next to
 * the embedded gateways', so the failover runner and `lintas get dataplanes` read both alike.
 * @module
 */
import { dataPlaneRow } from '../controllers/index.ts';
import type { ClusterConfig, DataPlaneAck, DataPlaneServing, GatewayIR } from '../ir/index.ts';
import type { Logger } from '../observability/index.ts';
import type { Bus } from './bus.ts';
import type { Component } from './component.ts';

/** The ownership epoch by TrafficPolicy `ns/name` that `ir` routes by. */
export function ownershipEpochs(ir: GatewayIR): Record<string, number> {
  return Object.fromEntries((ir.policies ?? []).flatMap((p) => (p.ownership === undefined ? [] : [[p.key, p.ownership.epoch] as const])));
}

/**
 * What a remote gateway serves: the version it acknowledged; the ownership of the desired config
 * once it acknowledged that one (InSync), else what it served when it last was.
 */
export function remoteServing(cluster: string, desired: ClusterConfig | undefined, ack: DataPlaneAck, previous: DataPlaneServing | undefined, now: string): DataPlaneServing {
  const row = dataPlaneRow(cluster, desired, ack, now);
  const ownership = row.state === 'InSync' && desired !== undefined ? ownershipEpochs(desired.ir) : previous?.mode === 'remote' ? previous.ownership : {};
  return {
    cluster,
    mode: 'remote',
    version: ack.acked?.version ?? '',
    state: row.state === 'Rejected' ? 'nacked' : 'acked',
    ...(row.error !== undefined ? { error: row.error } : {}),
    ownership,
    at: ack.lastContact,
  };
}

/** Keeps bus.dataplanes in step with the config stream's records. */
export function remoteDataPlanesComponent(options: { bus: Bus; log: Logger }): Component {
  const { bus } = options;
  const stopping = new AbortController();
  let following: Promise<void> | undefined;
  const fold = (): void => {
    const now = new Date().toISOString();
    const configs = bus.gatewayConfigs.snapshot();
    const set: [string, DataPlaneServing][] = [];
    for (const [cluster, ack] of bus.streamAcks.snapshot()) set.push([cluster, remoteServing(cluster, configs.get(cluster), ack, bus.dataplanes.get(cluster), now)]);
    bus.dataplanes.apply({ set });
  };
  return {
    name: 'remote-dataplanes',
    async start() {
      const signal = stopping.signal;
      // Both maps matter: an ACK, and a new desired version that makes an acknowledged one old.
      const loop = async (updates: AsyncGenerator<unknown>): Promise<void> => {
        while (!(await updates.next()).done) {
          try {
            fold();
          } catch (error) {
            options.log.error('data-plane status failed', { error: String(error) });
          }
        }
      };
      following = Promise.all([loop(bus.streamAcks.subscribe(signal)), loop(bus.gatewayConfigs.subscribe(signal))]).then(() => undefined);
    },
    async stop() {
      stopping.abort();
      await following;
    },
    health: () => ({ ready: true }),
  };
}
