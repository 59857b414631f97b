// Canonical forms of config values, so equal settings written differently compare equal
// (`i6300esb,action=reset` == `model=i6300esb,action=reset`, 1 == "1" == true, MAC case).
import { formatNet, parseNet, parsePropertyString } from '../../proxmox/property-string.js';
import { textOf } from '../../core/text.js';

const BOOLEAN_KEYS = new Set(['onboot', 'numa', 'acpi', 'kvm', 'tablet', 'protection', 'template']);
const INTEGER_KEYS = new Set(['cores', 'sockets', 'balloon', 'vcpus', 'cpuunits', 'memory']);
const NET_BOOLEAN_OPTIONS = new Set(['firewall', 'link_down']);

/** Values a missing key stands for (PVE's schema defaults). */
const DEFAULTS: Record<string, string> = { cores: '1', sockets: '1', onboot: '0', cpu: 'cputype=kvm64' };

export function canonicalBoolean(value: unknown): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  const s = String(value).trim().toLowerCase();
  return ['1', 'on', 'yes', 'true'].includes(s) ? '1' : '0';
}

/** The canonical text of `key`'s value; undefined when the key is absent and has no default. */
export function canonicalValue(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return DEFAULTS[key];
  if (BOOLEAN_KEYS.has(key)) return canonicalBoolean(value);
  if (INTEGER_KEYS.has(key)) {
    const text = textOf(value).replace(/^current=/, '');
    return /^[+-]?\d+$/.test(text) ? String(Number(text)) : text;
  }
  const text = textOf(value);
  if (key === 'cpu') return canonicalKeyed(text, 'cputype');
  if (key === 'watchdog') {
    const pairs = parsePropertyString(text, 'model');
    if (!pairs.some(([k]) => k === 'model')) pairs.unshift(['model', 'i6300esb']);
    return canonicalKeyed(pairs.map(([k, v]) => `${k}=${v}`).join(','), 'model');
  }
  if (/^net\d+$/.test(key)) return canonicalNet(text);
  return text;
}

/** `<default>=<v>` first, other keys sorted. */
function canonicalKeyed(text: string, defaultKey: string): string {
  const pairs = parsePropertyString(text, defaultKey);
  const head = pairs.filter(([k]) => k === defaultKey);
  const rest = pairs.filter(([k]) => k !== defaultKey).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [...head, ...rest].map(([k, v]) => `${k}=${v}`).join(',');
}

function canonicalNet(text: string): string {
  try {
    const dev = parseNet(text);
    const options: Record<string, string> = {};
    for (const [k, v] of Object.entries(dev.options)) options[k] = NET_BOOLEAN_OPTIONS.has(k) ? canonicalBoolean(v) : v;
    return formatNet({ model: dev.model, macaddr: dev.macaddr?.toUpperCase(), options });
  } catch {
    return text;
  }
}

/** The `hotplug` setting as a set of kinds (`1` = network,disk,usb; `0` = none; absent = default). */
export function parseHotplug(value: unknown): Set<string> {
  const text = value === undefined || value === null ? '1' : textOf(value).trim();
  if (text === '1') return new Set(['network', 'disk', 'usb']);
  if (text === '0' || text === '') return new Set();
  return new Set(text.split(',').map((s) => s.trim()));
}
