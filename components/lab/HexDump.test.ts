import { describe, expect, it } from 'vitest';
import { decodeBase64, hexDumpLines } from './HexDump';

describe('hex dump', () => {
  it('shows offset, 16 bytes in two groups of 8, and printable ASCII', () => {
    const bytes = new TextEncoder().encode('Hello, WebSocket!\n');
    expect(hexDumpLines(bytes)).toEqual([
      { offset: '00000000', hex: '48 65 6c 6c 6f 2c 20 57  65 62 53 6f 63 6b 65 74', ascii: 'Hello, WebSocket' },
      { offset: '00000010', hex: `${'21 0a'.padEnd(23)}  ${''.padEnd(23)}`, ascii: '!.' },
    ]);
  });

  it('decodes base64 and rejects garbage', () => {
    expect(decodeBase64('aGk=')).toEqual(new Uint8Array([0x68, 0x69]));
    expect(decodeBase64('not base64!')).toBeNull();
  });
});
