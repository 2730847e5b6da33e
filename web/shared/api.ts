/**
 * The HTTP API as the pages call it: JSON in and out, a bearer token, and the app's one error
 * shape `{error: {code, message, details?}}` turned into an ApiError.
 */

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(status: number, code: string, message: string, details?: Readonly<Record<string, unknown>>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly body?: unknown;
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'NETWORK', 'the server cannot be reached');
  }
  const text = await response.text();
  const body: unknown = text === '' ? undefined : safeJson(text);
  if (response.ok) return body as T;
  const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
  throw new ApiError(response.status, error?.code ?? 'INTERNAL', error?.message ?? `HTTP ${response.status}`, error?.details);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export type Role = 'player' | 'trader';

/**
 * A demo token for `sub` (embedded mode only). Undefined when the app does not mint tokens
 * (any other mode): the page then asks for one.
 */
export async function mintDemoToken(sub: string, role: Role, name?: string): Promise<string | undefined> {
  try {
    const { token } = await api<{ token: string }>('/v1/dev/tokens', { method: 'POST', body: { sub, role, ...(name ? { name } : {}) } });
    return token;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** The claims of a JWT (not verified: the server does that), for showing who is signed in. */
export function tokenClaims(token: string): { sub?: string; role?: string; name?: string } | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string; role?: string; name?: string };
  } catch {
    return undefined;
  }
}
