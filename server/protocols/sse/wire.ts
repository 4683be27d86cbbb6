/**
 * The text/event-stream format (WHATWG HTML, "Server-sent events"), written
 * by hand because it is the lesson: every event is a few `field: value`
 * lines and a blank line. Lines starting with `:` are comments, which
 * clients ignore — handy as keep-alives.
 */
export interface SseMessage {
  /** Becomes the client's lastEventId, sent back as Last-Event-ID on reconnect. */
  id?: string | number;
  /** The event type; without it the client fires a plain "message". */
  event?: string;
  data: string;
  /** Asks the client to wait this long before reconnecting. */
  retry?: number;
}

/** One event as it goes on the wire, ending with the blank line that dispatches it. */
export function formatEvent(message: SseMessage): string {
  let text = '';
  if (message.retry !== undefined) text += `retry: ${message.retry}\n`;
  // WHATWG SSE: an id containing U+0000 is ignored, and a newline would end the field early.
  if (message.id !== undefined) text += `id: ${String(message.id).replace(/[\r\n\0]/g, '')}\n`;
  if (message.event !== undefined) text += `event: ${message.event.replace(/[\r\n]/g, '')}\n`;
  // A data value with newlines becomes several data: lines; the client joins them with \n.
  for (const line of message.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** A comment line: ignored by clients, but it keeps proxies from closing an idle stream. */
export function formatComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;
}

/** `retry:` on its own: sets the client's reconnection time without dispatching an event. */
export function formatRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}
