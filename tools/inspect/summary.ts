/**
 * Summary: frames and bytes per method (content headers and bodies counted under their
 * method, as `basic.publish header` / `basic.publish body`) and per channel, printed at the
 * end as aligned columns or as one JSON line.
 */

interface Count {
  frames: number;
  bytes: number;
}

/** Accumulates frame counts; see the file comment. */
export class Summary {
  private readonly byMethod = new Map<string, Count>();
  private readonly byChannel = new Map<number, Count>();
  private errorCount = 0;

  /** Counts one frame of `size` bytes. */
  add(label: string, channel: number, size: number): void {
    for (const [map, key] of [[this.byMethod, label], [this.byChannel, channel]] as const) {
      const c = (map as Map<string | number, Count>).get(key) ?? { frames: 0, bytes: 0 };
      c.frames++;
      c.bytes += size;
      (map as Map<string | number, Count>).set(key, c);
    }
  }

  /** Errors counted so far. */
  get errors(): number {
    return this.errorCount;
  }

  /** Counts one error. */
  error(): void {
    this.errorCount++;
  }

  /** Aligned text: one table per method, one per channel. */
  text(): string {
    const rows = (title: string, entries: [string, Count][]): string[] => {
      const w = Math.max(title.length, ...entries.map(([k]) => k.length));
      return [
        `${title.padEnd(w)}  ${'frames'.padStart(8)}  ${'bytes'.padStart(10)}`,
        ...entries.map(([k, c]) => `${k.padEnd(w)}  ${String(c.frames).padStart(8)}  ${String(c.bytes).padStart(10)}`),
      ];
    };
    const methods = [...this.byMethod].sort((a, b) => b[1].bytes - a[1].bytes || a[0].localeCompare(b[0]));
    const channels = [...this.byChannel].sort((a, b) => a[0] - b[0]).map(([k, c]) => [`channel ${k}`, c] as [string, Count]);
    const total = [...this.byChannel.values()].reduce((t, c) => ({ frames: t.frames + c.frames, bytes: t.bytes + c.bytes }), { frames: 0, bytes: 0 });
    return [
      `summary: ${total.frames} frames, ${total.bytes} bytes, ${this.errorCount} errors`,
      ...rows('method', methods),
      '',
      ...rows('channel', channels),
    ].join('\n');
  }

  /** The same as one JSON object. */
  json(): string {
    const obj = (m: Map<string | number, Count>) => Object.fromEntries([...m].map(([k, c]) => [String(k), c]));
    return JSON.stringify({ summary: { methods: obj(this.byMethod), channels: obj(this.byChannel), errors: this.errorCount } });
  }
}
