/**
 * Which Host headers `serve` answers to. A browser sends the name it connected to, so answering
 * only to this machine's own names and addresses keeps a foreign page that points its own domain
 * at this machine (DNS rebinding) from reaching the API.
 *   loopback bind (the default): localhost, 127.0.0.1, [::1]
 *   wildcard bind (0.0.0.0, ::): those, os.hostname() and every interface address
 *   any other bind: os.hostname() and every non-loopback interface address
 * and always the bound name or address itself and the names given with --allow-host. The port
 * must be the bound one; a Host without a port means 80.
 */
import { isIPv6 } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/**
 * A host name as it is compared: lower case, IPv4 dotted, IPv6 compressed in brackets, no trailing
 * dot; null when it is neither a name nor an address (IPv6 bare or in brackets).
 */
export function canonicalHost(name: string): string | null {
  const ipv6 = /^\[(.*)\]$/.exec(name)?.[1] ?? name;
  const literal = isIPv6(ipv6) ? `[${ipv6}]` : /^[^\s:/\\?#@%[\]]+$/.test(name) ? name : null;
  if (literal === null) return null;
  try {
    return new URL(`http://${literal}/`).hostname.replace(/\.$/, '') || null;
  } catch {
    return null;
  }
}

/** A Host header's name (canonical) and port (null when absent); null when it is not `name[:port]` or `[ipv6][:port]`. */
export function parseHost(header: string): { name: string; port: number | null } | null {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(header);
  const name = m && canonicalHost(m[1]!);
  const port = m?.[2] ? Number(m[2]) : null;
  return !name || (port !== null && port > 65_535) ? null : { name, port };
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

function isLoopback(host: string): boolean {
  return LOOPBACK.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** This machine's name and interface addresses, read at each call (addresses may change while serving). */
function ownNames(withLoopback: boolean): string[] {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((a) => withLoopback || !a.internal);
  return [hostname(), ...addresses.map((a) => a.address)];
}

/**
 * The Host rule of a server bound to `bind` (see above): whether, listening on `port`, it answers a
 * request with this Host header. Throws when `bind` or an `allow` name is not a host.
 */
export function hostCheck(bind: string, allow: readonly string[] = []): (header: string | undefined, port: number) => boolean {
  const host = bind === '' ? '0.0.0.0' : canonicalHost(bind);
  if (host === null) throw new Error(`--host: '${bind}' is not a host name or address`);
  const wildcard = host === '0.0.0.0' || host === '[::]', loopback = isLoopback(host);
  const fixed = allow.map((a) => {
    const name = canonicalHost(a);
    if (name === null) throw new Error(`--allow-host: '${a}' is not a host name or address`);
    return name;
  });
  fixed.push(host, ...(loopback || wildcard ? LOOPBACK : []));
  return (header, port) => {
    const h = parseHost(header ?? '');
    if (!h || (h.port ?? 80) !== port) return false;
    return fixed.includes(h.name) || (!loopback && ownNames(wildcard).some((n) => canonicalHost(n) === h.name));
  };
}
