// Proxmox property strings (`k=v,k=v`, one value may omit its key when the format has a default key).

export type PropertyPairs = Array<[key: string, value: string]>;

/**
 * Split a property string into ordered key/value pairs. A part without `=` gets `defaultKey`
 * (or the empty key when there is none). Values are kept byte for byte.
 */
export function parsePropertyString(text: string, defaultKey?: string): PropertyPairs {
  const pairs: PropertyPairs = [];
  if (text.trim() === '') return pairs;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) pairs.push([defaultKey ?? '', part]);
    else pairs.push([part.slice(0, eq), part.slice(eq + 1)]);
  }
  return pairs;
}

export function formatPropertyString(pairs: PropertyPairs): string {
  return pairs.map(([k, v]) => (k === '' ? v : `${k}=${v}`)).join(',');
}

export function pairsToRecord(pairs: PropertyPairs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k] = v;
  return out;
}

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
] as const;

/** A `netN` value: model and MAC, plus every other option as written (bridge, tag, firewall, queues, ...). */
export interface NetDevice {
  model: string;
  macaddr: string | undefined;
  /** Options other than model/MAC, values byte for byte. */
  options: Record<string, string>;
}

export function parseNet(text: string): NetDevice {
  let model: string | undefined;
  let macaddr: string | undefined;
  const options: Record<string, string> = {};
  for (const [k, v] of parsePropertyString(text)) {
    if ((NIC_MODELS as readonly string[]).includes(k)) {
      model = k;
      if (v !== '') macaddr = v;
    } else if (k === 'model') model = v;
    else if (k === 'macaddr') macaddr = v;
    else if (k === '')
      model = v; // bare model without a MAC
    else options[k] = v;
  }
  if (model === undefined) throw new Error(`not a network device: ${JSON.stringify(text)}`);
  return { model, macaddr, options };
}

/** Canonical form, as the server prints it: `<model>=<MAC>` first, then the other keys alphabetically. */
export function formatNet(dev: NetDevice): string {
  const head = dev.macaddr === undefined ? dev.model : `${dev.model}=${dev.macaddr}`;
  const rest = Object.keys(dev.options)
    .sort()
    .map((k) => `${k}=${dev.options[k] ?? ''}`);
  return [head, ...rest].join(',');
}
