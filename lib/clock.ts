/**
 * One clock for the whole timeline: epoch milliseconds with sub-millisecond
 * precision. `performance.timeOrigin + performance.now()` is monotonic within
 * a page or process, unlike Date.now(), which can jump.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Offset of the server clock relative to ours, from one ping/pong round trip
 * (Cristian's algorithm): the server read its clock roughly half-way through.
 * Add `-offset` to a server time to place it on the browser's clock.
 */
export function clockOffset(sentAt: number, serverNow: number, receivedAt: number): number {
  return serverNow - (sentAt + receivedAt) / 2;
}
