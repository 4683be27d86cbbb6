/** The readable part of an RFC 9457 problem document: its `detail`, else its `title`; undefined if `body` is not one. */
export function problemMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { title, detail } = body as { title?: unknown; detail?: unknown };
  return typeof detail === 'string' ? detail : typeof title === 'string' ? title : undefined;
}

/** The same, from a response body read as text (a body that is not JSON has no message). */
export function problemMessageIn(text: string): string | undefined {
  try {
    return problemMessage(JSON.parse(text));
  } catch {
    return undefined;
  }
}
