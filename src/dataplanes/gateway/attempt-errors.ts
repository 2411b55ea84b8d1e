/**
 * The ways an upstream attempt can fail, each with its own response flag,
 * answer and effect on the backend's outlier state (issue 14). A failure is
 * classified by the phase it happened in, not by the upstream client's error
 * codes, which change between undici majors:
 *
 * | phase | failure | flag | answer | charged to the backend |
 * | --- | --- | --- | --- | --- |
 * | build (inside `dispatch`) | invalid_request | DPE | 400 | no |
 * | connect (before a connection) | connect | UF | 502 | yes (`connect`) |
 * | request (connected, no response yet) | reset_before_response | UC | 502 | yes (`reset`) |
 * | response (the response started) | reset_mid_response | UMR | response cut | yes (`reset`) |
 * | request or response | timeout | UT | 504 (or cut) | yes (`timeout`) |
 *
 * Errors raised synchronously while the request is handed to the upstream
 * client are never network failures (sockets report those later), so they
 * are the request's own: the upstream client refused to build it.
 * @module
 */
import type { AttemptResult } from './metrics.ts';
import { FLAG_DPE, FLAG_UC, FLAG_UF, FLAG_UMR, FLAG_UT } from './runtime.ts';
import type { AttemptOutcome } from './upstream/index.ts';

/** Where an attempt was when it failed. */
export type AttemptPhase = 'build' | 'connect' | 'request' | 'response';

/** The failure classes of an attempt. */
export type AttemptFailure = 'invalid_request' | 'connect' | 'reset_before_response' | 'reset_mid_response' | 'timeout';

/** What a failure class means for the answer, the log, the metrics and the backend. */
export interface FailureClass {
  /** Response flag (access log). */
  readonly flag: number;
  /** Local answer when no response started and nothing is retried. */
  readonly status: number;
  readonly text: string;
  /** What the backend's outlier detection is told. */
  readonly outcome: AttemptOutcome;
  /** `lintas_gateway_upstream_attempts_total{result}`. */
  readonly result: AttemptResult;
}

/** Every failure class (see the module table). */
export const FAILURE_CLASSES: Readonly<Record<AttemptFailure, FailureClass>> = {
  invalid_request: { flag: FLAG_DPE, status: 400, text: 'invalid request\n', outcome: { uncharged: true }, result: 'invalid_request' },
  connect: { flag: FLAG_UF, status: 502, text: 'upstream connect error\n', outcome: { error: 'connect' }, result: 'connect_error' },
  reset_before_response: { flag: FLAG_UC, status: 502, text: 'upstream reset before response\n', outcome: { error: 'reset' }, result: 'reset' },
  reset_mid_response: { flag: FLAG_UMR, status: 502, text: 'upstream reset mid-response\n', outcome: { error: 'reset' }, result: 'reset_mid_response' },
  timeout: { flag: FLAG_UT, status: 504, text: 'upstream request timeout\n', outcome: { error: 'timeout' }, result: 'timeout' },
};

type ErrorLike = { readonly name?: unknown; readonly code?: unknown };

/** A timeout reported by the upstream client or the OS (undici's `*_TIMEOUT` codes and `*TimeoutError` names, `ETIMEDOUT`). */
export function isTimeoutError(err: unknown): boolean {
  const { name, code } = (err ?? {}) as ErrorLike;
  return (typeof code === 'string' && (code.endsWith('_TIMEOUT') || code === 'ETIMEDOUT')) || (typeof name === 'string' && name.endsWith('TimeoutError'));
}

/** The upstream client's "invalid argument": a request it will not build, whenever it says so. */
function isInvalidArgument(err: unknown): boolean {
  const { name, code } = (err ?? {}) as ErrorLike;
  return name === 'InvalidArgumentError' || code === 'UND_ERR_INVALID_ARG';
}

/** Classifies an attempt error by the phase it happened in (see the module table). */
export function classifyAttemptError(phase: AttemptPhase, err: unknown): AttemptFailure {
  if (phase === 'build') return 'invalid_request';
  if (phase === 'connect') return isInvalidArgument(err) ? 'invalid_request' : 'connect';
  if (isTimeoutError(err)) return 'timeout';
  return phase === 'request' ? 'reset_before_response' : 'reset_mid_response';
}

/** The phase of an attempt from what it has seen so far. */
export function attemptPhase(a: { readonly building: boolean; readonly connected: boolean; readonly headersSeen: boolean }): AttemptPhase {
  if (a.building) return 'build';
  if (!a.connected) return 'connect';
  return a.headersSeen ? 'response' : 'request';
}
