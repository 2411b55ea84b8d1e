/**
 * The Kubernetes source's and writer's one error class: an API server's error answer, or no answer.
 * @module
 */

/** An API server's error answer (or a failure to reach it: `status` 0). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly code = 'LINTAS_ERR_KUBE_API';
  /** Creates the error for an HTTP `status` (0: no answer) and the Status `reason` when there was one. */
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for 410 Gone / reason Expired: the resourceVersion was compacted away, so relist. */
export function isGone(error: unknown): boolean {
  return error instanceof KubeApiError && (error.status === 410 || error.reason === 'Expired' || error.reason === 'Gone');
}
