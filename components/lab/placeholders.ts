import type { LabInfo } from '../../lib/lab-info';

/**
 * Shell commands in lessons name things the page only knows at run time:
 * `{{session}}`, `{{http}}` (base URL), `{{ws}}` (ws:// base URL), `{{host}}`
 * and `{{<listener>Port}}` (e.g. `{{mqttPort}}`, from /api/lab/info listeners).
 */
export type PlaceholderValues = Record<string, string>;

const PLACEHOLDER = /\{\{(\w+)\}\}/g;
const LISTENER_PORT = /^(\w+)Port$/;

/** The values known so far; a missing key means "not known yet" (or not running). */
export function placeholderValues(info: LabInfo | null, sessionId: string | null): PlaceholderValues {
  const values: PlaceholderValues = {};
  if (sessionId) values.session = sessionId;
  if (info) {
    const http = new URL(info.httpUrl);
    values.http = http.origin;
    values.ws = http.origin.replace(/^http/, 'ws');
    values.host = http.hostname;
    for (const [name, listener] of Object.entries(info.listeners)) {
      if (listener.port !== null) values[`${name}Port`] = String(listener.port);
    }
  }
  return values;
}

export type CommandPart =
  | { kind: 'text'; text: string }
  | { kind: 'value'; name: string; text: string }
  | { kind: 'missing'; name: string; text: string };

/** Splits a command into literal text and filled (or still missing) placeholders, for highlighting. */
export function fillPlaceholders(template: string, values: PlaceholderValues): CommandPart[] {
  const parts: CommandPart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (match.index > last) parts.push({ kind: 'text', text: template.slice(last, match.index) });
    const value = values[name];
    parts.push(
      value === undefined ? { kind: 'missing', name, text: `<${missingLabel(name)}>` } : { kind: 'value', name, text: value },
    );
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  return parts;
}

/** How an unknown value reads in a copied command, so the student sees what to replace. */
function missingLabel(name: string): string {
  const listener = LISTENER_PORT.exec(name)?.[1];
  return listener ? `${listener} port` : name;
}

export function partsToText(parts: CommandPart[]): string {
  return parts.map((p) => p.text).join('');
}
