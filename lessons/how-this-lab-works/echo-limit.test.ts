import { describe, expect, it } from 'vitest';
import { MAX_ECHO_BYTES } from '../../server/protocols/intro/echo';
import { ECHO_MAX_BYTES, echoTooBig } from './echo-limit';

describe('the echo widget’s message limit', () => {
  it('is the server’s', () => {
    expect(ECHO_MAX_BYTES).toBe(MAX_ECHO_BYTES);
  });

  it('lets a message up to the limit through and explains one over it, counting UTF-8 bytes', () => {
    expect(echoTooBig('hello, lab')).toBeNull();
    expect(echoTooBig('x'.repeat(ECHO_MAX_BYTES))).toBeNull();
    expect(echoTooBig('x'.repeat(ECHO_MAX_BYTES + 1))).toMatch(/at most 64 KiB .*code 1009/);
    // 'ü' is two bytes in UTF-8: half the limit in characters is already the whole limit in bytes.
    expect(echoTooBig('ü'.repeat(ECHO_MAX_BYTES / 2))).toBeNull();
    expect(echoTooBig(`${'ü'.repeat(ECHO_MAX_BYTES / 2)}!`)).toMatch(/^That message is 65,537 bytes/);
  });
});
