// Parameter checks for config writes, with the server's 400 message shapes.
import { NIC_MODELS, parseNetValue } from './vm.js';

const INTEGER = new Set(['cores', 'sockets', 'vcpus', 'balloon', 'cpuunits', 'background_delay']);
const BOOLEAN = new Set(['onboot', 'numa', 'force', 'skiplock']);
const STRING = new Set([
  'cpu',
  'watchdog',
  'name',
  'description',
  'hotplug',
  'agent',
  'digest',
  'delete',
  'revert',
  'memory',
  'tags',
]);
const CPU_MODELS = new Set([
  'host',
  'kvm64',
  'kvm32',
  'qemu64',
  'qemu32',
  'max',
  'x86-64-v2',
  'x86-64-v2-AES',
  'x86-64-v3',
  'x86-64-v4',
  'Skylake-Server',
  'EPYC',
  'EPYC-v4',
]);
const NET_OPTIONS = new Set([
  'bridge',
  'firewall',
  'link_down',
  'mtu',
  'queues',
  'rate',
  'tag',
  'trunks',
  'host-tunnel',
]);
const MAC_RE = /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i;

/** Config key -> the privilege a write of it needs. */
export function privilegeFor(key: string): string {
  if (['cpu', 'cores', 'sockets', 'vcpus', 'cpuunits', 'cpulimit'].includes(key)) return 'VM.Config.CPU';
  if (['memory', 'balloon'].includes(key)) return 'VM.Config.Memory';
  if (['watchdog', 'hotplug', 'machine', 'scsihw', 'vga'].includes(key)) return 'VM.Config.HWType';
  if (/^net\d+$/.test(key)) return 'VM.Config.Network';
  return 'VM.Config.Options';
}

/**
 * The ACL path whose SDN.Use a netN value needs (qemu-server's bridge access check): the bridge in the
 * `localnetwork` zone (plain Linux bridges), with the VLAN tag as one more level when the NIC has one.
 */
export function bridgeAclPath(netValue: string): string | null {
  const options = parseNetValue(netValue).options;
  const bridge = options.get('bridge');
  if (bridge === undefined || bridge === '') return null;
  const tag = options.get('tag');
  return `/sdn/zones/localnetwork/${bridge}${tag ? `/${tag}` : ''}`;
}

export const CONTROL_PARAMS = new Set(['digest', 'delete', 'revert', 'background_delay', 'skiplock', 'force']);

/** Per-parameter errors for a config write (empty: valid). */
export function validateConfigParams(params: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const msg = checkOne(key, value);
    if (msg !== null) errors[key] = msg;
  }
  const deletes = (params['delete'] ?? '').split(/[,;\s]+/).filter((k) => k !== '');
  for (const k of deletes) {
    if (params[k] !== undefined) errors['delete'] = `cannot set and delete '${k}' at the same time`;
  }
  return errors;
}

function checkOne(key: string, value: string): string | null {
  if (/^net\d+$/.test(key) && Number(key.slice(3)) <= 31) return checkNet(key, value);
  if (INTEGER.has(key)) {
    if (!/^[+-]?\d+$/.test(value)) return `type check ('integer') failed - got '${value}'`;
    if ((key === 'cores' || key === 'sockets' || key === 'vcpus') && Number(value) < 1)
      return 'value must have a minimum value of 1';
    return null;
  }
  if (BOOLEAN.has(key)) return /^[01]$/.test(value) ? null : `type check ('boolean') failed - got '${value}'`;
  if (!STRING.has(key)) return 'property is not defined in schema and the schema does not allow additional properties';
  if (key === 'digest' && value.length > 40) return 'value may only be 40 characters long';
  if (key === 'cpu') {
    const first = value.split(',')[0] ?? '';
    const model = first.startsWith('cputype=') ? first.slice(8) : first;
    if (!CPU_MODELS.has(model) && !model.startsWith('custom-'))
      return `invalid format - Built-in cputype '${model}' is not defined (missing 'custom-' prefix?)\n`;
  }
  if (key === 'watchdog') {
    for (const part of value.split(',')) {
      const [k, v] = part.includes('=') ? part.split('=', 2) : ['model', part];
      if (k === 'model' && !['i6300esb', 'ib700'].includes(v ?? ''))
        return `invalid format - format error\nwatchdog.model: value '${v}' does not have a value in the enumeration 'i6300esb, ib700'\n`;
      if (k === 'action' && !['reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none'].includes(v ?? ''))
        return `invalid format - format error\nwatchdog.action: value '${v}' does not have a value in the enumeration\n`;
      if (k !== 'model' && k !== 'action')
        return `invalid format - format error\nwatchdog.${k}: property is not defined in schema and the schema does not allow additional properties\n`;
    }
  }
  return null;
}

function checkNet(key: string, value: string): string | null {
  const p = parseNetValue(value);
  const fail = (sub: string, msg: string): string => `invalid format - format error\n${key}.${sub}: ${msg}\n`;
  if (!NIC_MODELS.includes(p.model))
    return fail('model', `value '${p.model}' does not have a value in the enumeration`);
  if (p.macaddr !== undefined && !MAC_RE.test(p.macaddr))
    return `${fail('macaddr', 'invalid format - value does not look like a valid unicast MAC address')}\n`;
  for (const [k, v] of p.options) {
    if (!NET_OPTIONS.has(k))
      return fail(k, 'property is not defined in schema and the schema does not allow additional properties');
    if (k === 'queues') {
      if (!/^\d+$/.test(v)) return fail(k, `type check ('integer') failed - got '${v}'`);
      if (Number(v) > 64) return fail(k, 'value must have a maximum value of 64');
    }
    if ((k === 'firewall' || k === 'link_down') && !/^(0|1|on|off|yes|no|true|false)$/i.test(v))
      return fail(k, `type check ('boolean') failed - got '${v}'`);
  }
  return null;
}
