/**
 * What each cluster's data plane serves, as the control plane knows it (issue 15: status is what the
 * data planes acknowledged). Data only: written for the embedded gateways by their runner, and for
 * `lintas gateway` processes from their config stream's ACK/NACK records (config-stream.ts); read by
 * the failover runner and `lintas get dataplanes`.
 * @module
 */

/** One cluster's data plane: what it serves and its latest report; keyed by cluster. */
export interface DataPlaneServing {
  readonly cluster: string;
  /** `embedded`: in the control plane's process; `remote`: a `lintas gateway` process. */
  readonly mode: 'embedded' | 'remote';
  /** The config version this report is about (a generation for the embedded gateways, a content hash on the stream). */
  readonly version: number | string;
  /** `acked`: applied and serving; `nacked`: refused, the previous version keeps serving. */
  readonly state: 'acked' | 'nacked';
  /** Why a version was refused. */
  readonly error?: string;
  /** The ownership epoch by TrafficPolicy `ns/name` of the config it serves (the last acked one). */
  readonly ownership: Readonly<Record<string, number>>;
  /** When it last reported (ISO time). */
  readonly at: string;
}
