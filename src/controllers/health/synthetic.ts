/**
 * One run of a contract's synthetic transaction against one endpoint: the steps in order,
 * each marked as synthetic (`X-Lintas-Synthetic: true`, so the service can keep it out of
 * business data) and carrying its own `Idempotency-Key` (a retried step must not create a
 * second record). `{{.field}}` in a path is filled from the previous step's JSON answer
 * (`POST /cases` → `{"id":"c-1"}` → `GET /cases/c-1`). The run stops at the first step that
 * does not answer its `expectStatus`.
 * @module
 */
import type { HttpAnswer, HttpCall } from './http-client.ts';
import type { SyntheticRun, SyntheticStepResult, SyntheticStepSpec, TargetEndpoint } from './types.ts';

/** Header that marks synthetic traffic. */
export const SYNTHETIC_HEADER = 'X-Lintas-Synthetic';

const TEMPLATE = /\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** What a run needs: where to go, what to send, how to send it. */
export interface SyntheticRunInput {
  readonly endpoint: TargetEndpoint;
  readonly steps: readonly SyntheticStepSpec[];
  /** RFC 3339, the run's start. */
  readonly at: string;
  /** Unique per run; step keys are `<keyPrefix>-<step>`. */
  readonly keyPrefix: string;
  readonly send: (call: Omit<HttpCall, 'agent' | 'timeoutMs' | 'signal'>) => Promise<HttpAnswer>;
}

/** Fills `{{.field}}` from the previous answer's JSON object; an error message when it cannot. */
export function fillPath(path: string, previousBody: string | undefined): { path: string } | { error: string } {
  const fields = [...path.matchAll(TEMPLATE)].map((m) => m[1] ?? '');
  if (fields.length === 0) return { path };
  let data: unknown;
  try {
    data = previousBody === undefined ? undefined : JSON.parse(previousBody);
  } catch {
    data = undefined;
  }
  const values = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  for (const field of fields) {
    const v = values?.[field];
    if (typeof v !== 'string' && typeof v !== 'number') return { error: `${path} needs .${field}, which the previous answer does not have` };
  }
  return { path: path.replace(TEMPLATE, (_m, field: string) => encodeURIComponent(String(values?.[field]))) };
}

function encodeBody(body: unknown): { body?: string; contentType?: string } {
  if (body === undefined) return {};
  if (typeof body === 'string') return { body, contentType: 'text/plain; charset=utf-8' };
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

/** Runs the steps in order; never throws. */
export async function runSynthetic(input: SyntheticRunInput): Promise<SyntheticRun> {
  const endpoint = `${input.endpoint.address}:${input.endpoint.port}`;
  const results: SyntheticStepResult[] = [];
  let previousBody: string | undefined;
  for (const [i, step] of input.steps.entries()) {
    const filled = fillPath(step.path, previousBody);
    if ('error' in filled) return { at: input.at, endpoint, error: `step ${i + 1}: ${filled.error}`, steps: results };
    const { body, contentType } = encodeBody(step.body);
    const answer = await input.send({
      address: input.endpoint.address,
      port: input.endpoint.port,
      method: step.method,
      path: filled.path,
      headers: {
        'Idempotency-Key': `${input.keyPrefix}-${i + 1}`,
        [SYNTHETIC_HEADER]: 'true',
        accept: 'application/json',
        ...(contentType !== undefined ? { 'content-type': contentType } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
    results.push({
      method: step.method,
      path: filled.path,
      expectStatus: step.expectStatus,
      ...(answer.status !== undefined ? { status: answer.status } : {}),
      ...(answer.error !== undefined ? { error: answer.error } : {}),
    });
    if (answer.status !== step.expectStatus || answer.error !== undefined) break;
    previousBody = answer.body;
  }
  return { at: input.at, endpoint, steps: results };
}
