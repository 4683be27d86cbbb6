import styles from '../timeline/timeline.module.css';
import { CodeBlock } from './Scrollable';

/** One line of a classic hex dump: `00000010 | 48 65 6c … | Hello…`. */
export interface HexDumpLine {
  offset: string;
  hex: string;
  ascii: string;
}

const BYTES_PER_LINE = 16;

/** Decodes base64 (as carried in `detail.raw`); null if it is not valid base64. */
export function decodeBase64(base64: string): Uint8Array | null {
  try {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

/** Splits bytes into 16-byte lines; the hex column is padded so the ASCII column always lines up. */
export function hexDumpLines(bytes: Uint8Array): HexDumpLine[] {
  const lines: HexDumpLine[] = [];
  for (let offset = 0; offset < bytes.length; offset += BYTES_PER_LINE) {
    const chunk = bytes.subarray(offset, offset + BYTES_PER_LINE);
    const hex: string[] = [];
    let ascii = '';
    for (const byte of chunk) {
      hex.push(byte.toString(16).padStart(2, '0'));
      // Printable ASCII only; everything else (control bytes, UTF-8 continuation bytes) shows as a dot.
      ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
    }
    // An extra space after the 8th byte, as in `hexdump -C`, makes offsets easy to count.
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    lines.push({
      offset: offset.toString(16).padStart(8, '0'),
      hex: `${left.padEnd(23)}  ${right.padEnd(23)}`,
      ascii,
    });
  }
  return lines;
}

/** Raw bytes (base64) as offset | 16 hex bytes | ASCII. */
export function HexDump({ base64 }: { base64: string }) {
  const bytes = decodeBase64(base64);
  if (!bytes) {
    return (
      <p data-testid="hexdump" className={styles.muted}>
        The raw bytes are not valid base64.
      </p>
    );
  }
  return (
    <div data-testid="hexdump">
      <p className={styles.muted}>
        {bytes.length} byte{bytes.length === 1 ? '' : 's'}: offset | hex | ASCII
      </p>
      <CodeBlock className={styles.hexdump}>
        {hexDumpLines(bytes).map((line) => (
          // Real separators (not CSS gaps), so a copied dump reads like `hexdump -C`.
          <div key={line.offset}>
            <span className={styles.hexOffset}>{line.offset}</span>
            {`  ${line.hex}  `}
            <span className={styles.hexAscii}>|{line.ascii}|</span>
          </div>
        ))}
      </CodeBlock>
    </div>
  );
}
