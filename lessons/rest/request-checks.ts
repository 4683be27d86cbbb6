/**
 * What the request builder checks before it sends anything. `fetch` would
 * refuse a bad header with a bare "Invalid name", and would happily follow a
 * path like `//evil.example.com/x` to another host (the browser reads it as
 * "same scheme, other host"). Each check returns a sentence for the student,
 * or null when all is well.
 */

/** A header name is an RFC 9110 token: letters, digits and a few symbols; no spaces, no colons. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may hold as fetch sends it: tab, visible ASCII, space, and Latin-1 (no control characters). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export type HeaderPair = [name: string, value: string];

/** "Name: value" lines → header pairs, or the first line that isn't one, said plainly. */
export function parseHeaderLines(text: string): { headers: HeaderPair[]; problem: string | null } {
  const headers: HeaderPair[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const where = `Header line ${index + 1}`;
    const at = line.indexOf(':');
    if (at < 0) return { headers, problem: `${where} has no colon: write it as "Name: value".` };
    const name = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (!TOKEN.test(name)) {
      return {
        headers,
        problem:
          `${where}: "${name}" is not a valid header name. Names are letters, digits and - (plus a few symbols), ` +
          'with no spaces: If-Match, Idempotency-Key.',
      };
    }
    if (!FIELD_VALUE.test(value)) {
      return {
        headers,
        problem: `${where}: the value of ${name} holds a character HTTP headers can't carry (a control character, or one outside Latin-1).`,
      };
    }
    headers.push([name, value]);
  }
  return { headers, problem: null };
}

/**
 * The builder only talks to this lab: a path on the page's own origin.
 * `origin` is the page's (window.location.origin).
 */
export function pathProblem(path: string, origin: string): string | null {
  if (!path.startsWith('/')) return 'The path must start with "/", like /api/accounts/123.';
  // "//host/x" and "/\host/x" name another host; the URL parser decides, not a prefix check.
  let url: URL;
  try {
    url = new URL(path, origin);
  } catch {
    return `"${path}" is not a valid path.`;
  }
  if (url.origin !== origin || path.startsWith('//') || path.startsWith('/\\')) {
    return 'The builder only sends requests to this lab: use a path like /api/accounts/123, not one that names another host (//…).';
  }
  return null;
}
