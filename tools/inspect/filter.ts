/**
 * `--filter`: which frames to show. Each term is `channel=N` (or `ch=N`), a class (`basic`) or a
 * method (`basic.deliver`); a comma-separated list and repeated flags add terms. Terms of one
 * kind are alternatives, kinds combine: `--filter ch=1,ch=2 --filter basic` shows the basic
 * frames of channels 1 and 2. Content headers and bodies count as the method they belong to;
 * the protocol header and errors are always shown. The summary counts every frame.
 */

/** What a frame is matched on. */
export interface FilterSubject {
  readonly channel: number;
  /** The method's kind, or that of the method whose content this frame carries, or 'heartbeat'. */
  readonly kind: string;
}

/** A parsed --filter; `matches` is true for everything when no term was given. */
export interface Filter {
  matches(s: FilterSubject): boolean;
}

/** Parses the --filter values; throws an Error naming a term it does not understand. */
export function parseFilter(values: readonly string[]): Filter {
  const channels = new Set<number>();
  const classes = new Set<string>();
  const methods = new Set<string>();
  for (const term of values.flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean)) {
    const ch = /^(?:ch|channel)=(\d+)$/.exec(term);
    if (ch) channels.add(Number(ch[1]));
    else if (/^[a-z]+$/.test(term)) classes.add(term);
    else if (/^[a-z]+\.[a-z-]+$/.test(term)) methods.add(term);
    else throw new Error(`--filter: cannot read ${JSON.stringify(term)} (expected channel=N, a class like basic, or a method like basic.deliver)`);
  }
  return {
    matches(s) {
      if (channels.size > 0 && !channels.has(s.channel)) return false;
      if (classes.size === 0 && methods.size === 0) return true;
      return methods.has(s.kind) || classes.has(s.kind.split('.')[0]!);
    },
  };
}
