/**
 * The echo server's message limit, as the page knows it. The server refuses a
 * bigger message by closing the socket with code 1009 ("message too big"), so
 * the widget checks first and says so, rather than losing the message to a
 * reconnect. Must equal MAX_ECHO_BYTES in server/protocols/intro/echo.ts
 * (echo-limit.test.ts checks).
 */
export const ECHO_MAX_BYTES = 64 * 1024;

/** The close code a WebSocket endpoint sends for a message bigger than it accepts (RFC 6455 §7.4.1). */
export const MESSAGE_TOO_BIG = 1009;

/** Why `text` is too big to echo, or null when it fits. Counts UTF-8 bytes, as the server does. */
export function echoTooBig(text: string): string | null {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes <= ECHO_MAX_BYTES) return null;
  return (
    `That message is ${bytes.toLocaleString('en')} bytes; the echo server takes at most ${ECHO_MAX_BYTES / 1024} KiB ` +
    `and would close the socket with code ${MESSAGE_TOO_BIG} (message too big). Send something shorter.`
  );
}
