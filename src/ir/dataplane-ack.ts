/**
 * What a data plane reports back about the config it serves (issue 15: status is what the data
 * planes acknowledged, xDS ACK/NACK style). Data only: written by the gateway side (embedded or a
 * `lintas gateway` process), read by the failover runner and the admin API.
 * @module
 */

/** One data plane's latest report; keyed by cluster. */
export interface DataPlaneAck {
  readonly cluster: string;
  /** `embedded`: in the control plane's process; `remote`: a `lintas gateway` process. */
  readonly mode: 'embedded' | 'remote';
  /** The config version this report is about (monotonic per control plane). */
  readonly version: number;
  /** `acked`: applied and serving; `nacked`: refused, the previous version keeps serving. */
  readonly state: 'acked' | 'nacked';
  /** Why a version was refused. */
  readonly error?: string;
  /** The ownership epoch by TrafficPolicy `ns/name` of the config it serves (the last acked one). */
  readonly ownership: Readonly<Record<string, number>>;
  /** When it last reported (ISO time). */
  readonly at: string;
}
