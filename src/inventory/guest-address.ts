// A guest's SSH address from what its QEMU guest agent lists: the first global address of the wanted family (IPv4
// unless the cidr is IPv6), on a wanted interface, inside the wanted network. Loopback and link-local never count.
import { inCidr, isGlobalAddress, parseCidr } from './cidr.js';
import { matchesGlob } from './cluster-select.js';
import type { ClusterSourceSpec, GuestInterface } from './cluster-types.js';

export type PickedAddress = { address: string; detail: string } | { address: null; why: string };

export function pickGuestAddress(
  interfaces: readonly GuestInterface[],
  want: ClusterSourceSpec['address'],
): PickedAddress {
  const cidr = want.cidr !== undefined ? parseCidr(want.cidr) : null;
  const family = cidr?.family ?? 'ipv4';
  const candidates = interfaces.filter((i) => want.interface === undefined || matchesGlob(want.interface, i.name));
  for (const iface of candidates)
    for (const a of iface.addresses) {
      if (a.family !== family || !isGlobalAddress(a.address)) continue;
      if (cidr && !inCidr(a.address, cidr)) continue;
      return { address: a.address, detail: `${iface.name} ${a.address}/${a.prefix}` };
    }
  const wanted = [
    `a global ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`,
    ...(want.cidr !== undefined ? [`inside ${want.cidr}`] : []),
    ...(want.interface !== undefined ? [`on an interface matching ${want.interface}`] : []),
  ].join(' ');
  const seen = interfaces.flatMap((i) => i.addresses.map((a) => `${i.name} ${a.address}/${a.prefix}`));
  return {
    address: null,
    why: `the agent lists no ${wanted} (it lists ${seen.length > 0 ? seen.join(', ') : 'none'})`,
  };
}
