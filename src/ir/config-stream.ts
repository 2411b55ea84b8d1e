/**
 * The config stream between the control plane and per-cluster gateways
 * (`lintas gateway`), xDS-style: the control plane publishes one versioned
 * snapshot of each cluster's Gateway IR, a gateway applies it and ACKs, or
 * NACKs it with the error and keeps serving its last good version. Plain data:
 * the map entries, the frames on the wire and the acknowledgement state.
 * @module
 */
import type { GatewayIR } from './gateway.ts';

/** One cluster's desired gateway config: the value of the control plane's config map (keyed by cluster). */
export interface ClusterConfig {
  /** Content hash of `ir` (16 hex digits): equal IR, equal version, across control-plane restarts too (resume). */
  readonly version: string;
  /** 1, 2, … per cluster while one control plane runs: orders versions for status and lag. */
  readonly generation: number;
  /** When the control plane published this version (ISO 8601). */
  readonly publishedAt: string;
  readonly ir: GatewayIR;
  /**
   * The PEM of the Secrets this cluster's HTTPS listeners serve, by `ns/name` (the IR names them
   * with their fingerprints, which the version covers). Sent only on this cluster's own stream
   * (its gateway token), never by any other route, so key material stays off the admin API and logs.
   */
  readonly certificates?: Readonly<Record<string, ListenerCertificate>>;
}

/** A listener certificate's PEM material. */
export interface ListenerCertificate {
  readonly cert: string;
  readonly key: string;
}

/** The first frame of a stream: which cluster, and how often heartbeats come (a silent stream is dead after a few). */
export interface HelloFrame {
  readonly type: 'hello';
  readonly cluster: string;
  readonly heartbeatMs: number;
}

/** A version to apply. */
export interface ConfigFrame {
  readonly type: 'config';
  readonly version: string;
  readonly generation: number;
  readonly ir: GatewayIR;
  /** See {@link ClusterConfig.certificates}. */
  readonly certificates?: Readonly<Record<string, ListenerCertificate>>;
}

/** "Still here, and this is the current version" (null before the cluster has any): confirms a gateway's config is fresh. */
export interface HeartbeatFrame {
  readonly type: 'heartbeat';
  readonly version: string | null;
}

/** One line of the stream (newline-delimited JSON). */
export type StreamFrame = HelloFrame | ConfigFrame | HeartbeatFrame;

/** What a gateway POSTs after each version it tried: `ok` (ACK) or the error (NACK). */
export interface ConfigAckBody {
  readonly version: string;
  readonly generation?: number;
  readonly ok: boolean;
  /** Why the version was rejected (NACK only), one line or a few. */
  readonly error?: string;
  /** How long validating and applying took on the gateway (ms). */
  readonly applyMs?: number;
}

/** A version a gateway acknowledged or rejected, and when the control plane heard it. */
export interface AckedVersion {
  readonly version: string;
  readonly generation?: number;
  /** ISO 8601, control-plane clock. */
  readonly at: string;
  /** From publish to this acknowledgement (ms); absent when the version was published by an earlier control plane. */
  readonly lagMs?: number;
  /** How long the gateway took to check and apply it (ms), as it reported. */
  readonly applyMs?: number;
  readonly error?: string;
}

/** The control plane's view of one cluster's gateway: the value of the acknowledgement map (keyed by cluster). */
export interface DataPlaneAck {
  readonly cluster: string;
  /** Subject of the token the gateway used. */
  readonly subject: string;
  /** A config stream of this cluster is open now. */
  readonly connected: boolean;
  /** Last connect, disconnect or acknowledgement (ISO 8601). */
  readonly lastContact: string;
  /** The version it serves: the last one ACKed (or resumed on reconnect). */
  readonly acked?: AckedVersion;
  /** The last version it rejected, with the error; cleared by a later ACK of that or a newer version. */
  readonly nacked?: AckedVersion;
}
