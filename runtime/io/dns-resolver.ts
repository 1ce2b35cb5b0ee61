/**
 * The built-in endpoint resolver for recovery (`recovery: { resolve: dnsResolver() }`), on
 * node:dns (hence here: runtime/io is the only layer that imports Node). Each pass over the
 * endpoints asks DNS again, so a name that now points at other nodes is followed.
 * - default: every A/AAAA address of each host name (an IP address stays as it is);
 * - `srv: true`: each configured host name is an SRV name (e.g. `_amqp._tcp.example.com`) whose
 *   targets and ports are the brokers, ordered by priority (lowest first).
 * The original name is kept as `servername`, so TLS still verifies the certificate against it.
 * A name that does not resolve is left out; if nothing resolves, recovery keeps the configured
 * names (endpoints.ts), so a DNS outage does not end it.
 */
import { lookup, resolveSrv } from 'node:dns/promises';
import { isIP } from 'node:net';

/** One broker address (the same shape as the client's Endpoint). */
export interface ResolvedAddress {
  hostname: string;
  port: number;
  servername?: string;
}

/** Options of dnsResolver(). */
export interface DnsResolverOptions {
  /** Treat each host name as an SRV name and connect to its targets (default false). */
  srv?: boolean;
}

/** An endpoint resolver on node:dns; see the module comment. */
export function dnsResolver(options: DnsResolverOptions = {}): (endpoints: readonly ResolvedAddress[]) => Promise<ResolvedAddress[]> {
  return async (endpoints) => {
    const out: ResolvedAddress[] = [];
    for (const e of endpoints) {
      let targets: ResolvedAddress[] = [e];
      if (options.srv && !isIP(e.hostname)) {
        const records = await resolveSrv(e.hostname).catch(() => []);
        targets = records.sort((a, b) => a.priority - b.priority).map((r) => ({ hostname: r.name, port: r.port }));
      }
      for (const t of targets) {
        if (isIP(t.hostname)) {
          out.push(t);
          continue;
        }
        const addresses = await lookup(t.hostname, { all: true }).catch(() => []);
        for (const a of addresses) out.push({ hostname: a.address, port: t.port, servername: e.servername ?? t.hostname });
      }
    }
    return out;
  };
}
