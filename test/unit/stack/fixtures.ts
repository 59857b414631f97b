// Inventories shared by the stack and template tests.
import type { StackHost } from '../../../src/stack/context.js';

export const bgpVars = {
  ha_mode: 'bgp',
  vips: ['10.99.100.1'],
  frontends: [{ port: 80 }],
  backends: [{ name: 'rgw', servers: ['10.99.0.200:8080'], health_check_path: '/', balance: 'leastconn' }],
  stats_port: 8404,
  haproxy_maxconn: 9000,
  bgp: { local_as: 65001, peer_as: 65000, neighbors: ['10.99.0.1'], hold_time: 9 },
};

export function hosts(n: number, extra: (i: number) => Record<string, unknown> = () => ({})): StackHost[] {
  return Array.from({ length: n }, (_, i) => ({ name: `lb0${i + 1}`, address: `10.99.0.${11 + i}`, vars: extra(i) }));
}

export const keepalivedVars = {
  ha_mode: 'keepalived',
  vips: ['10.99.100.1', '10.99.100.2', '10.99.100.3'],
  frontends: [{ port: 80 }],
  backends: [{ name: 'rgw', servers: ['10.99.0.200:8080'] }],
  haproxy_maxconn: 9000,
  keepalived: { interface: 'eth0', advert_int: 1 },
};

/** Three keepalived hosts, host i owning VIP i. */
export const keepalivedHosts = (): StackHost[] => hosts(3, (i) => ({ vrrp_vips: [`10.99.100.${i + 1}`] }));
