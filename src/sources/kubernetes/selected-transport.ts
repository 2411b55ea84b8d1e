/**
 * A transport whose lists and watches carry a label selector: the write-back's informers watch only
 * the objects labelled with Lintas's owner id, not every Service and EndpointSlice of the cluster.
 * @module
 */
import type { KubeTransport } from './transport.ts';

/** `transport` with `labelSelector` added to every list and watch. */
export function withLabelSelector(transport: KubeTransport, labelSelector: string): KubeTransport {
  return {
    server: transport.server,
    list: (path, query, signal) => transport.list(path, { ...query, labelSelector }, signal),
    watch: (path, query, onEvent, signal) => transport.watch(path, { ...query, labelSelector }, onEvent, signal),
  };
}
