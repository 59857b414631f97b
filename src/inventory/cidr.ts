// Networks (CIDR) and address classes for picking a guest's SSH address.
import { BlockList, isIP } from 'node:net';

export interface Cidr {
  network: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** "10.0.0.0/24" or "2001:db8::/32" -> its parts; null when it is not one. */
export function parseCidr(text: string): Cidr | null {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!match?.[1] || match[2] === undefined) return null;
  const version = isIP(match[1]);
  const prefix = Number(match[2]);
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return null;
  return { network: match[1], prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function inCidr(address: string, cidr: Cidr): boolean {
  const family = isIP(address);
  if (family !== (cidr.family === 'ipv4' ? 4 : 6)) return false;
  const list = new BlockList();
  list.addSubnet(cidr.network, cidr.prefix, cidr.family);
  return list.check(address, cidr.family);
}

// Never an SSH address: loopback, link-local, unspecified (and IPv4-mapped forms of them are not expected).
const NOT_GLOBAL: ReadonlyArray<Cidr> = [
  { network: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { network: '169.254.0.0', prefix: 16, family: 'ipv4' },
  { network: '0.0.0.0', prefix: 32, family: 'ipv4' },
  { network: '::1', prefix: 128, family: 'ipv6' },
  { network: 'fe80::', prefix: 10, family: 'ipv6' },
  { network: '::', prefix: 128, family: 'ipv6' },
];

/** An address another machine can reach the guest at: not loopback, link-local or unspecified. */
export function isGlobalAddress(address: string): boolean {
  return isIP(address) !== 0 && !NOT_GLOBAL.some((c) => inCidr(address, c));
}
