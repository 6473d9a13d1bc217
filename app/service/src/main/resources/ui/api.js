// Calls to the service's own API, from the same origin.

/** GET a JSON document; the body is parsed whatever the status (health answers 503 with details). */
export async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  const body = await response.json().catch(() => null);
  if (body == null) throw new Error(`${path} answered HTTP ${response.status} without JSON`);
  return { ok: response.ok, status: response.status, body };
}

/** GET a text document such as the Prometheus metrics. */
export async function getText(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path} answered HTTP ${response.status}`);
  return response.text();
}

/**
 * POSTs a prediction request and reports everything the page shows about the answer: status, body (or the
 * raw text when it is not JSON), the version and cache headers, and the round trip in milliseconds.
 */
export async function predict(path, body) {
  const start = performance.now();
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body,
  });
  const text = await response.text();
  const millis = performance.now() - start;
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): the text is shown as it came.
  }
  return {
    ok: response.ok,
    status: response.status,
    json,
    text,
    millis,
    version: response.headers.get('X-Model-Version'),
    cache: response.headers.get('X-Cache'),
  };
}
