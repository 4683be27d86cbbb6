/**
 * Node's raw header list (`req.rawHeaders`: `[name, value, name, value, …]`)
 * as the timeline shows request headers: lower-case names, repeated headers
 * joined with ", ". The session cookie is a bearer credential, and timelines
 * get exported and shared: the record says a cookie was sent, not what it was.
 */
export function requestHeaderRecord(raw: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = name === 'cookie' ? '(sent; hidden here)' : (raw[i + 1] as string);
    record[name] = name in record ? `${record[name]}, ${value}` : value;
  }
  return record;
}
