/**
 * Where to connect: the endpoint list from `connect([urls])` or the `hosts` option, its order, and
 * the walk over it during recovery. Pure: the random source is passed in.
 *
 * Each pass over the list starts by asking the resolver (if any) for the current endpoints (a
 * DNS name may now point elsewhere, a registry may know new nodes), then shuffles them (RabbitMQ
 * advises spreading reconnecting clients over the nodes), and tries them in that order. The pass
 * number drives the backoff (backoff.ts).
 */
import { ConfigurationError } from '../errors.js';

/** One broker address. */
export interface Endpoint {
  hostname: string;
  port: number;
  /** TLS: the name to verify the certificate against, when `hostname` is an address the resolver found. */
  servername?: string;
}

/** Turns the application's endpoints into addresses, e.g. DNS names into A/AAAA records; see `dnsResolver`. */
export type EndpointResolver = (endpoints: readonly Endpoint[]) => Endpoint[] | Promise<Endpoint[]>;

/** `host`, `host:port`, `[v6]:port` or an Endpoint, with `defaultPort` when none is given. */
export function parseHost(h: string | Endpoint, defaultPort: number): Endpoint {
  if (typeof h !== 'string') return { ...h, port: h.port ?? defaultPort };
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(h.trim());
  if (!m) throw new ConfigurationError(`hosts: cannot read '${h}' as host, host:port or [ipv6]:port`);
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (!(port > 0 && port < 65536)) throw new ConfigurationError(`hosts: port out of range in '${h}'`);
  return { hostname: (m[1] ?? m[2])!, port };
}

/** A shuffled copy (Fisher-Yates with `random()` in [0, 1)). */
export function shuffled<T>(list: readonly T[], random: () => number): T[] {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The walk over the endpoints: `next()` gives the endpoint of each attempt and its pass number. */
export class EndpointWalk {
  #list: Endpoint[] = [];
  #index = 0;
  #pass = 0;
  readonly #configured: readonly Endpoint[];
  readonly #shuffle: boolean;
  readonly #random: () => number;
  readonly #resolve: EndpointResolver | undefined;

  constructor(configured: readonly Endpoint[], options: { shuffle: boolean; random: () => number; resolve?: EndpointResolver | undefined }) {
    if (configured.length === 0) throw new ConfigurationError('no endpoint to connect to');
    this.#configured = configured;
    this.#shuffle = options.shuffle;
    this.#random = options.random;
    this.#resolve = options.resolve;
  }

  /** True when the next attempt starts a new pass (so the backoff delay applies before it). */
  get startsPass(): boolean {
    return this.#index >= this.#list.length;
  }

  /** The pass the last endpoint given belongs to (1 = first). */
  get pass(): number {
    return this.#pass;
  }

  /** The next endpoint to try; starts a new pass (resolve, shuffle) when the current one is done. */
  async next(): Promise<Endpoint> {
    if (this.startsPass) {
      let list: Endpoint[] = [...this.#configured];
      if (this.#resolve) {
        const resolved = await this.#resolve(list);
        // A resolver that finds nothing (DNS down) must not end recovery: keep the configured names.
        if (resolved.length > 0) list = resolved;
      }
      this.#list = this.#shuffle ? shuffled(list, this.#random) : list;
      this.#index = 0;
      this.#pass++;
    }
    return this.#list[this.#index++]!;
  }
}
