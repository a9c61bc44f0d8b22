import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.5`, how a dual-stack socket reports IPv4) as the IPv4 it is. */
function parseAddress(value: string): ipaddr.IPv4 | ipaddr.IPv6 {
  return ipaddr.process(value.trim());
}

function parseRange(entry: string): Range {
  const trimmed = entry.trim();
  if (ipaddr.isValidCIDR(trimmed)) {
    const [address, bits] = ipaddr.parseCIDR(trimmed);
    // `::ffff:10.0.0.0/104` is the IPv4 range 10.0.0.0/8 written in IPv6.
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [address, bits];
  }
  if (ipaddr.isValid(trimmed)) {
    const address = parseAddress(trimmed);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  }
  throw new Error(`invalid IP address or CIDR range in the allowlist: "${trimmed}"`);
}

/**
 * A predicate over remote IPs from a list of IPs and CIDRs (IPv4 and IPv6). Throws on an invalid
 * entry: a typo in an allowlist must stop the process, not open or close the route silently.
 */
export function ipAllowlist(entries: readonly string[]): (remoteIp: string) => boolean {
  const ranges = entries.filter((e) => e.trim().length > 0).map(parseRange);
  return (remoteIp) => {
    if (!ipaddr.isValid(remoteIp.trim())) return false;
    const address = parseAddress(remoteIp);
    return ranges.some((range) => range[0].kind() === address.kind() && address.match(range));
  };
}
