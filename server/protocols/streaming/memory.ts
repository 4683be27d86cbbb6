import type { Fields } from './live';

const MB = 1024 * 1024;

/**
 * Samples the server process's memory every `everyMs` while an export runs,
 * relative to when it started. Process-wide figures: anything else the
 * server is doing at the same time (other sessions) shows up too.
 */
export class MemorySampler {
  private readonly base = process.memoryUsage();
  private readonly timer: NodeJS.Timeout;
  peakRssDelta = 0;
  peakHeapDelta = 0;

  constructor(everyMs: number, onSample: (fields: Fields) => void) {
    this.timer = setInterval(() => onSample(this.sample()), everyMs);
  }

  /** One sample: absolute and above-start figures, in MB with one decimal. */
  sample(): Fields {
    const m = process.memoryUsage();
    const rssDelta = (m.rss - this.base.rss) / MB;
    // Strings of a buffered export count as external memory when they become Buffers; count both.
    const heapDelta = (m.heapUsed + m.external - this.base.heapUsed - this.base.external) / MB;
    this.peakRssDelta = Math.max(this.peakRssDelta, rssDelta);
    this.peakHeapDelta = Math.max(this.peakHeapDelta, heapDelta);
    return {
      rssMb: round(m.rss / MB),
      heapMb: round((m.heapUsed + m.external) / MB),
      rssDeltaMb: round(rssDelta),
      heapDeltaMb: round(heapDelta),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function round(mb: number): number {
  return Math.round(mb * 10) / 10;
}
