import ipaddr from 'ipaddr.js';

/** Where outbound webhooks may go. */
export type TargetPolicy = {
  /** Production: refuse private targets and plain http unless allowlisted. Elsewhere everything goes (local development). */
  enforce: boolean;
  /** OUTBOUND_ALLOWLIST: host names, IP addresses or CIDRs. */
  allowlist: readonly string[];
};

/** A target the policy refuses: never retried into success by itself, but recorded like any failed attempt. */
export class TargetRefusedError extends Error {
  readonly code = 'ERR_TARGET_REFUSED';
  constructor(message: string) {
    super(`refused: ${message}`);
    this.name = 'TargetRefusedError';
  }
}

type ParsedAllowlist = { hosts: Set<string>; cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][] };

export function parseAllowlist(entries: readonly string[]): ParsedAllowlist {
  const hosts = new Set<string>();
  const cidrs: ParsedAllowlist['cidrs'] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (ipaddr.isValidCIDR(entry)) cidrs.push(ipaddr.parseCIDR(entry));
    else if (ipaddr.isValid(entry)) {
      const ip = ipaddr.parse(entry);
      cidrs.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else hosts.add(entry.replace(/^\[|\]$/g, ''));
  }
  return { hosts, cidrs };
}

/** The address as IPv4 when it is an IPv4-mapped IPv6 one (::ffff:10.0.0.1 is 10.0.0.1). */
function normalize(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const ip = ipaddr.parse(address);
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

function inAllowlist(ip: ipaddr.IPv4 | ipaddr.IPv6, allow: ParsedAllowlist): boolean {
  return allow.cidrs.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
}

/**
 * Why an address may not be a target, or undefined when it may. Only public unicast passes:
 * loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 with the cloud metadata
 * services, fe80::/10), CGNAT (100.64/10), unspecified, multicast, reserved and the IPv6
 * translation ranges that can embed any of them are refused.
 */
export function addressRefusal(address: string, allow: ParsedAllowlist): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const ip = normalize(address);
  if (inAllowlist(ip, allow)) return undefined;
  const range = ip.range();
  return range === 'unicast' ? undefined : `${address} is a ${range} address`;
}

/**
 * Checks a URL before any connection: the scheme, and an IP literal host. A host name is checked
 * after resolution, by the client's lookup (so a name cannot smuggle a private address in).
 * Returns whether the host name itself is allowlisted (then its addresses are not checked).
 */
export function checkUrl(url: URL, policy: TargetPolicy, allow: ParsedAllowlist): { hostAllowed: boolean } {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TargetRefusedError(`${url.protocol} is not http(s)`);
  if (!policy.enforce) return { hostAllowed: true };
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const hostAllowed = allow.hosts.has(host);
  const literal = ipaddr.isValid(host);
  const literalAllowed = literal && inAllowlist(normalize(host), allow);
  if (url.protocol === 'http:' && !hostAllowed && !literalAllowed) throw new TargetRefusedError('http: targets need https in production unless OUTBOUND_ALLOWLIST names them');
  if (literal && !hostAllowed) {
    const why = addressRefusal(host, allow);
    if (why) throw new TargetRefusedError(why);
  }
  return { hostAllowed };
}
