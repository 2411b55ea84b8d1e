/**
 * What the gateways observe of their upstreams, flowing back from the data plane to the
 * controllers (the health contract's regional readiness and capacity headroom). Data only:
 * defined here so the data plane that produces it and the controller that reads it share one type.
 * @module
 */

/** An endpoint's state at the gateway: the EndpointSlice's say, then active health checks, then outlier detection. */
export type EndpointState = 'not_ready' | 'terminating' | 'pending' | 'unhealthy' | 'ejected' | 'healthy';

/** One endpoint of one upstream as the gateways see it now: the service it belongs to and its state. */
export interface EndpointObservation {
  /** The upstream key, e.g. `ServiceImport/ns/name:port`. */
  readonly upstream: string;
  readonly kind: 'Service' | 'ServiceImport';
  readonly namespace: string;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly cluster: string;
  /** `unhealthy`: active health checks fail; `ejected`: outlier detection; `pending`: back, awaiting its first passing check; `not_ready`/`terminating`: the EndpointSlice says so. */
  readonly state: EndpointState;
}

/**
 * What the gateways see, for the health contract (seed 000 §19.1: a region whose endpoints are
 * Ready but dead must not look ready) and capacity headroom (seed 000 §13.3).
 */
export interface UpstreamObservation {
  /** Every endpoint of every upstream, in upstream then IR order. */
  readonly endpoints: readonly EndpointObservation[];
  /** HTTP attempts (requests, their retries and mirrors) started since the set was created, by destination cluster; monotonic. */
  readonly attemptsByCluster: Readonly<Record<string, number>>;
}
