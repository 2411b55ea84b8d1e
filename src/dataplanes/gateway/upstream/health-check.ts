/**
 * Active HTTP health checks: one loop per endpoint that GETs the configured
 * path, counts consecutive passes and failures, and reports transitions.
 *
 * - A check passes on any 2xx status within the timeout; anything else
 *   (other status, refused, reset, timeout) fails.
 * - Each probe uses a fresh connection (`agent: false`, `connection: close`)
 *   so a check never rides on, or is hidden by, a pooled keep-alive socket.
 * - The first probe is delayed by a random share of the interval so a fleet
 *   of endpoints is not checked in lockstep (except for an endpoint waiting
 *   for its first check: probed at once); the next one is scheduled only
 *   after the previous finished (no overlap). Timers are unref'd.
 * - Returning endpoints (issue 14; Envoy's `ignore_new_hosts_until_first_hc`):
 *   an endpoint that joins a checked upstream, becomes ready again or comes
 *   back from an ejection is *pending*: it gets no traffic and is not counted
 *   until a check passes, and its first pass is enough to make it healthy.
 * @module
 */
import { request, type ClientRequest } from 'node:http';
import { request as requestTls } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { HealthCheckIR } from '../../../ir/index.ts';

/** Health verdict of one endpoint with its consecutive pass/fail counts. */
export interface CheckState {
  healthy: boolean;
  /** Waiting for a check since it (re)joined: not healthy, and left out of the level counts. */
  pending: boolean;
  passes: number;
  fails: number;
}

/**
 * Endpoints known when their upstream is first installed start healthy, so a
 * config push never blackholes traffic while the first checks run.
 */
export function newCheckState(): CheckState {
  return { healthy: true, pending: false, passes: 0, fails: 0 };
}

/** Makes an endpoint wait for a passing check before it takes traffic (a returning endpoint). */
export function awaitCheck(state: CheckState): void {
  state.healthy = false;
  state.pending = true;
  state.passes = 0;
  state.fails = 0;
}

/** Applies one probe result; returns the transition it caused, if any. */
export function applyCheckResult(state: CheckState, ok: boolean, config: HealthCheckIR): 'healthy' | 'unhealthy' | undefined {
  if (state.pending) {
    // The first check decides alone (Envoy: one pass is enough for a new host); a failure
    // leaves the endpoint unhealthy, needing healthyThreshold passes like any other.
    state.pending = false;
    state.passes = ok ? 1 : 0;
    state.fails = ok ? 0 : 1;
    state.healthy = ok;
    return ok ? 'healthy' : undefined;
  }
  if (ok) {
    state.passes += 1;
    state.fails = 0;
    if (!state.healthy && state.passes >= Math.max(1, config.healthyThreshold)) {
      state.healthy = true;
      return 'healthy';
    }
    return undefined;
  }
  state.fails += 1;
  state.passes = 0;
  if (state.healthy && state.fails >= Math.max(1, config.unhealthyThreshold)) {
    state.healthy = false;
    return 'unhealthy';
  }
  return undefined;
}

/** Outcome of one probe. */
export interface ProbeResult {
  readonly ok: boolean;
  /** `status 200`, `status 503`, `timeout`, or the socket error code. */
  readonly detail: string;
}

/** A cancellable probe. */
export interface Probe {
  readonly result: Promise<ProbeResult>;
  cancel(): void;
}

/** Sends one health check GET to `address:port` + `path` (over TLS with `tls`: a re-encrypted upstream is never probed in plaintext). Never rejects. */
export function probeHttp(address: string, port: number, path: string, timeoutMs: number, tls?: ConnectionOptions): Probe {
  let req: ClientRequest | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settle: (r: ProbeResult) => void = () => undefined;
  const result = new Promise<ProbeResult>((resolve) => {
    let done = false;
    settle = (r) => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      resolve(r);
    };
  });
  try {
    const options = {
      hostname: address,
      port,
      path: path.startsWith('/') ? path : `/${path}`,
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'lintas-health-check', connection: 'close', accept: '*/*' },
    } as const;
    req = tls === undefined ? request(options) : requestTls({ ...options, ...tls });
    const sent = req;
    timer = setTimeout(() => {
      settle({ ok: false, detail: 'timeout' });
      sent.destroy();
    }, Math.max(1, timeoutMs));
    timer.unref();
    sent.on('response', (res) => {
      const status = res.statusCode ?? 0;
      settle({ ok: status >= 200 && status < 300, detail: `status ${status}` });
      // Drain and drop: the verdict is the status, and the socket closes with `connection: close`.
      res.resume();
      res.on('error', () => undefined);
    });
    sent.on('error', (err: NodeJS.ErrnoException) => settle({ ok: false, detail: err.code ?? err.message }));
    sent.end();
  } catch (err) {
    settle({ ok: false, detail: err instanceof Error ? err.message : String(err) });
  }
  return {
    result,
    cancel() {
      settle({ ok: false, detail: 'cancelled' });
      req?.destroy();
    },
  };
}

/** Sends one probe (probeHttp, or a stand-in in tests). */
export type ProbeFn = (address: string, port: number, path: string, timeoutMs: number, tls?: ConnectionOptions) => Probe;

/** Options of {@link startHealthChecker}. */
export interface HealthCheckerOptions {
  readonly address: string;
  readonly port: number;
  readonly config: HealthCheckIR;
  /** [0, 1): jitter of the first probe. */
  readonly random: () => number;
  /** Probe at once instead of after the jitter (an endpoint waiting for its first check). */
  readonly immediate?: boolean;
  /** How to probe (default {@link probeHttp}). */
  readonly probe?: ProbeFn;
  /** TLS options of a re-encrypted upstream (BackendTLSPolicy). */
  readonly tls?: ConnectionOptions;
  /** Called after every probe (not after `stop`). */
  readonly onResult: (result: ProbeResult) => void;
}

/** A running check loop. */
export interface HealthChecker {
  /** Probes now unless a probe is in flight (a returning endpoint should not wait an interval). */
  checkNow(): void;
  stop(): void;
}

/** Starts probing one endpoint until `stop()`. */
export function startHealthChecker(options: HealthCheckerOptions): HealthChecker {
  const interval = Math.max(1, options.config.intervalMs);
  const send = options.probe ?? probeHttp;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Probe | undefined;
  const schedule = (delay: number): void => {
    timer = setTimeout(run, delay);
    timer.unref();
  };
  const run = (): void => {
    timer = undefined;
    if (stopped) return;
    const probe = send(options.address, options.port, options.config.path, options.config.timeoutMs, options.tls);
    inflight = probe;
    void probe.result.then((r) => {
      inflight = undefined;
      if (stopped) return;
      options.onResult(r);
      if (!stopped) schedule(interval);
    });
  };
  schedule(options.immediate === true ? 0 : Math.floor(Math.min(Math.max(options.random(), 0), 0.999) * interval));
  return {
    checkNow() {
      if (stopped || inflight !== undefined) return;
      if (timer !== undefined) clearTimeout(timer);
      run();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      inflight?.cancel();
    },
  };
}
