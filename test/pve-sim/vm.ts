// A simulated VM: the config file (current keys, [PENDING] section), its digest, and the
// pending-vs-live rules of qemu-server for the keys ober-push manages.
import { createHash, randomBytes } from 'node:crypto';

export const INT_KEYS = new Set([
  'cores',
  'sockets',
  'balloon',
  'vcpus',
  'cpuunits',
  'onboot',
  'numa',
  'template',
  'protection',
]);
// Applied immediately on a running VM ("fast-plug" options).
const FAST_PLUG = new Set(['name', 'onboot', 'description', 'tags', 'protection', 'startup', 'hookscript', 'lock']);
// Changes of these NIC options force an unplug + re-plug (or stay pending without network hotplug).
const REPLUG_NET_OPTIONS = ['model', 'macaddr', 'queues', 'mtu'];
export const NIC_MODELS = [
  'e1000',
  'e1000-82540em',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
  'rtl8139',
  'virtio',
  'vmxnet3',
];

export type SimEvent =
  | { type: 'nic-replug'; vmid: number; key: string; from: string; to: string }
  | { type: 'nic-hotplug'; vmid: number; key: string; value: string }
  /** A re-plug whose plug failed after the unplug: the running VM has no such NIC any more. */
  | { type: 'nic-down'; vmid: number; key: string }
  | { type: 'power'; vmid: number; action: 'start' | 'stop'; appliedPending: string[] }
  | { type: 'guest-reboot'; vmid: number };

export interface NetParts {
  model: string;
  macaddr?: string;
  options: Map<string, string>;
}

/** Parse a netN value the way the server does (model=MAC or model=..,macaddr=..). */
export function parseNetValue(text: string): NetParts {
  const parts: NetParts = { model: '', options: new Map() };
  for (const piece of text.split(',')) {
    const eq = piece.indexOf('=');
    const k = eq < 0 ? piece : piece.slice(0, eq);
    const v = eq < 0 ? '' : piece.slice(eq + 1);
    if (NIC_MODELS.includes(k)) {
      parts.model = k;
      if (v) parts.macaddr = v;
    } else if (k === 'model') parts.model = v;
    else if (k === 'macaddr') parts.macaddr = v;
    else parts.options.set(k, v);
  }
  return parts;
}

export function printNetValue(p: NetParts): string {
  const keys = [...p.options.keys()].sort();
  return [`${p.model}=${p.macaddr ?? ''}`, ...keys.map((k) => `${k}=${p.options.get(k)}`)].join(',');
}

function netSignature(text: string | undefined): Record<string, string> {
  if (!text) return {};
  const p = parseNetValue(text);
  return {
    model: p.model,
    macaddr: (p.macaddr ?? '').toUpperCase(),
    queues: p.options.get('queues') ?? '',
    mtu: p.options.get('mtu') ?? '',
  };
}

export function randomMac(): string {
  const b = randomBytes(3).toString('hex').toUpperCase().match(/../g) ?? [];
  return ['BC', '24', '11', ...b].join(':');
}

/** Keys a running VM could not hot-plug (qemu-server raises them as a parameter exception after the write). */
export class HotplugProblem extends Error {
  readonly errors: Record<string, string>;
  constructor(errors: Record<string, string>) {
    super(
      `Parameter verification failed.\n${Object.entries(errors)
        .map(([k, m]) => `${k}: ${m}`)
        .join('\n')}`,
    );
    this.errors = errors;
  }
}

export class SimVm {
  readonly vmid: number;
  node: string;
  status: 'running' | 'stopped';
  readonly conf = new Map<string, string>();
  readonly pending = new Map<string, string>();
  readonly pendingDelete = new Set<string>();
  /** HA's state of the resource: `error` once the resource manager failed to start it (HA then gives up). */
  ha: { managed: boolean; state: 'started' | 'stopped' | 'error' } | null;
  /** HA with ha-rebalance-on-start: an HA start of this stopped VM first moves it to another online node. */
  haRebalanceOnStart = false;
  /** The next NIC re-plug fails at this stage (a guest that holds the device, a device_add that fails). */
  replugFailure: 'unplug' | 'plug' | null = null;
  /** NICs the running VM lost to a failed plug. */
  readonly nicsDown = new Set<string>();

  constructor(spec: {
    vmid: number;
    node: string;
    status: 'running' | 'stopped';
    config: Record<string, string | number>;
    ha?: boolean;
  }) {
    this.vmid = spec.vmid;
    this.node = spec.node;
    this.status = spec.status;
    for (const [k, v] of Object.entries(spec.config)) this.conf.set(k, String(v));
    this.ha = spec.ha ? { managed: true, state: spec.status === 'running' ? 'started' : 'stopped' } : null;
  }

  get name(): string {
    return this.conf.get('name') ?? `VM${this.vmid}`;
  }

  get lock(): string | undefined {
    return this.conf.get('lock');
  }

  /** The raw config file text the digest is computed from. */
  fileText(): string {
    const lines: string[] = [];
    const desc = this.conf.get('description');
    if (desc !== undefined) for (const l of desc.split('\n')) lines.push(`#${l}`);
    for (const k of [...this.conf.keys()].filter((k) => k !== 'description').sort())
      lines.push(`${k}: ${this.conf.get(k)}`);
    if (this.pending.size > 0 || this.pendingDelete.size > 0) {
      lines.push('', '[PENDING]');
      if (this.pendingDelete.size > 0) lines.push(`delete: ${[...this.pendingDelete].sort().join(',')}`);
      for (const k of [...this.pending.keys()].sort()) lines.push(`${k}: ${this.pending.get(k)}`);
    }
    return `${lines.join('\n')}\n`;
  }

  digest(): string {
    return createHash('sha1').update(this.fileText()).digest('hex');
  }

  merged(): Map<string, string> {
    const m = new Map(this.conf);
    for (const k of this.pendingDelete) m.delete(k);
    for (const [k, v] of this.pending) m.set(k, v);
    return m;
  }

  hotplug(): Set<string> {
    const v = this.conf.get('hotplug') ?? '1';
    if (v === '1') return new Set(['network', 'disk', 'usb']);
    if (v === '0') return new Set();
    return new Set(v.split(','));
  }

  /** Write changes the qemu-server way: into [PENDING] first, then apply (stopped) or hotplug (running). */
  write(changes: Map<string, string>, deletes: string[], events: SimEvent[]): void {
    for (let [k, v] of changes) {
      if (/^net\d+$/.test(k)) {
        const p = parseNetValue(v);
        p.macaddr ??= randomMac(); // no MAC given: the server invents one
        v = printNetValue(p);
      }
      this.pendingDelete.delete(k);
      if (this.conf.get(k) === v) this.pending.delete(k);
      else this.pending.set(k, v);
    }
    for (const k of deletes) {
      this.pending.delete(k);
      if (this.conf.has(k)) this.pendingDelete.add(k);
    }
    if (this.status === 'stopped') this.applyPending();
    else this.hotplugPass(new Set([...changes.keys(), ...deletes]), events);
  }

  /** Apply everything pending (start, stop, shutdown); returns the keys applied. */
  applyPending(): string[] {
    const applied = [...this.pending.keys(), ...[...this.pendingDelete].map((k) => `-${k}`)];
    for (const k of this.pendingDelete) this.conf.delete(k);
    for (const [k, v] of this.pending) this.conf.set(k, v);
    this.pending.clear();
    this.pendingDelete.clear();
    return applied;
  }

  /**
   * qemu-server's vmconfig_hotplug_pending with the request's keys as its selection: fast-plug keys apply whatever
   * request left them pending, every other key only when this request changed it (an older pending value stays).
   * A key that fails stays pending; the failures are raised together afterwards, as `hotplug problem - <msg>`.
   */
  private hotplugPass(requested: ReadonlySet<string>, events: SimEvent[]): void {
    const hotplug = this.hotplug();
    const problems: Record<string, string> = {};
    for (const [k, v] of [...this.pending]) {
      let live = false;
      if (FAST_PLUG.has(k)) live = true;
      else if (!requested.has(k)) continue;
      else if (k === 'balloon')
        live = this.conf.get('balloon') !== '0' && v !== '0'; // toggling the device is not hot-pluggable
      else if (/^net\d+$/.test(k) && hotplug.has('network')) {
        const problem = this.#plugNic(k, v, events);
        if (problem !== null) problems[k] = `hotplug problem - ${problem}`;
        live = problem === null;
      }
      if (live) {
        this.conf.set(k, v);
        this.pending.delete(k);
      }
    }
    for (const k of [...this.pendingDelete]) {
      if (FAST_PLUG.has(k)) {
        this.conf.delete(k);
        this.pendingDelete.delete(k);
      }
    }
    if (Object.keys(problems).length > 0) throw new HotplugProblem(problems);
  }

  /** Plug a new NIC or re-plug a changed one; returns why it failed (the value then stays pending), else null. */
  #plugNic(key: string, value: string, events: SimEvent[]): string | null {
    const old = this.conf.get(key);
    if (old === undefined) {
      events.push({ type: 'nic-hotplug', vmid: this.vmid, key, value });
      return null;
    }
    const a = netSignature(old);
    const b = netSignature(value);
    if (!REPLUG_NET_OPTIONS.some((o) => a[o] !== b[o])) return null;
    const failure = this.replugFailure;
    this.replugFailure = null;
    if (failure === 'unplug') return `error on hot-unplugging device '${key}' - still busy in guest?`;
    if (failure === 'plug') {
      // The unplug went through and the plug did not: the running VM has no such NIC any more.
      this.nicsDown.add(key);
      events.push({ type: 'nic-down', vmid: this.vmid, key });
      return `VM ${this.vmid} qmp command 'device_add' failed - Duplicate ID '${key}'`;
    }
    this.nicsDown.delete(key);
    events.push({ type: 'nic-replug', vmid: this.vmid, key, from: old, to: value });
    return null;
  }

  /** JSON view of a config map: integer/boolean keys as numbers, the rest as strings. */
  static typed(map: Map<string, string>): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    for (const [k, v] of map) out[k] = INT_KEYS.has(k) && /^[+-]?\d+$/.test(v) ? Number(v) : v;
    return out;
  }
}
