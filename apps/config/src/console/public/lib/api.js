// The REST API as the console calls it: every request carries `Authorization: Bearer <token>`
// (a session from signing in with a username and password, or an API token).
const TOKEN_KEY = 'mailrouter.console.token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** An API answer that was not a 2xx: the status, the server's message and, for a 400, its fields. */
export class ApiError extends Error {
  constructor(status, body, fallback) {
    super((body && typeof body.message === 'string' && body.message) || fallback);
    this.status = status;
    this.body = body;
    /** `[{ field, message }]` of a 400. */
    this.fields = Array.isArray(body?.fields) ? body.fields : [];
  }
}

/** Listeners told when the token stops working (a 401), so the app can ask for it again. */
const unauthorizedListeners = new Set();
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function api(method, path, body, token = session.token) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, undefined, `The configuration service did not answer (${err.message}). Is it running?`);
  }
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { message: text.slice(0, 500) };
  }
  if (!res.ok) {
    const error = new ApiError(res.status, parsed, `${method} ${path} answered ${res.status} ${res.statusText}`);
    // A 401 of the sign-in itself is a wrong password, not a session that ended.
    if (res.status === 401 && token) unauthorizedListeners.forEach((l) => l(error));
    throw error;
  }
  return parsed;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body ?? {});
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

/** Runs `task` over `items`, at most `concurrency` at a time, reporting each finished one. */
export async function runPool(items, concurrency, task, onDone) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      let result;
      try {
        result = { ok: true, value: await task(item) };
      } catch (error) {
        result = { ok: false, error };
      }
      onDone(item, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
