/**
 * The admin API as the console calls it: the token goes in the Authorization header of every
 * request (never in a URL, never in storage), errors carry the server's code and message, and
 * the evidence bundle downloads through a Blob so no URL ever holds a credential.
 * @module
 */

/** A non-2xx answer of the admin API, with its `{ error, message }` body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** Creates an error for HTTP `status` with the server's `code`. */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the views call. */
export interface Api {
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body: Record<string, unknown>): Promise<T>;
  /** Fetches `path` (JSON) and saves it as `fileName`. */
  download(path: string, fileName: string): Promise<void>;
  /** The raw fetch with the Authorization header (the live stream). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

async function failure(res: Response): Promise<ApiError> {
  let code = `http_${String(res.status)}`;
  let message = res.statusText || `HTTP ${String(res.status)}`;
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not JSON: the status line says enough.
  }
  return new ApiError(res.status, code, message);
}

/** A client that sends `token` as a bearer token. */
export function createApi(token: string, fetchFn: typeof fetch = (input, init) => fetch(input, init)): Api {
  const call = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetchFn(path, { ...init, credentials: 'omit', cache: 'no-store', headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } });
  const json = async <T>(res: Response): Promise<T> => {
    if (!res.ok) throw await failure(res);
    return (await res.json()) as T;
  };
  return {
    get: async <T>(path: string, signal?: AbortSignal) => json<T>(await call(path, { ...(signal === undefined ? {} : { signal }), headers: { accept: 'application/json' } })),
    post: async <T>(path: string, body: Record<string, unknown>) => json<T>(await call(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) })),
    async download(path, fileName) {
      const data = await json<unknown>(await call(path, { headers: { accept: 'application/json' } }));
      const url = URL.createObjectURL(new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' }));
      try {
        const a = document.createElement('a');
        a.href = url;
        a.download = fileName;
        document.body.append(a);
        a.click();
        a.remove();
      } finally {
        // Revoke after the click has been handled.
        setTimeout(() => URL.revokeObjectURL(url), 0);
      }
    },
    fetch: call,
  };
}

/** The message to show for any error an API call threw. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${String(error.status)} ${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
