/**
 * The largest frame payload the lab's raw WebSockets accept (ws `maxPayload`).
 * Big enough for the 65,536-byte frame that shows the 64-bit length
 * encoding; anything larger is refused with close code 1009 (message too big).
 */
export const MAX_FRAME_BYTES = 96 * 1024;
