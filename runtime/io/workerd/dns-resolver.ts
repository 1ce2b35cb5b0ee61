/**
 * The workerd build's stand-in for ../dns-resolver.ts: Workers have no DNS API (a socket's
 * connect resolves the name itself), so `dnsResolver()` keeps each configured endpoint as it is;
 * SRV names cannot be looked up there and are refused. Same exports as the Node module.
 */

/** One broker address (the same shape as the client's Endpoint). */
export interface ResolvedAddress {
  hostname: string;
  port: number;
  servername?: string;
}

/** Options of dnsResolver(). */
export interface DnsResolverOptions {
  /** SRV lookups are not available on Workers: true is a TypeError. */
  srv?: boolean;
}

/** On Workers: the endpoints unchanged (names are resolved when connecting). */
export function dnsResolver(options: DnsResolverOptions = {}): (endpoints: readonly ResolvedAddress[]) => Promise<ResolvedAddress[]> {
  if (options.srv) throw new TypeError('dnsResolver({ srv: true }) needs DNS lookups, which Cloudflare Workers do not offer');
  return async (endpoints) => endpoints.map((e) => ({ ...e }));
}
