import { describe, expect, test } from 'vitest';
import {
  formatNet,
  formatPropertyString,
  parseNet,
  parsePropertyString,
} from '../../../src/proxmox/property-string.js';

describe('property strings', () => {
  test.each([
    ['virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=10', undefined],
    ['model=i6300esb,action=reset', 'model'],
    ['i6300esb,action=reset', 'model'],
    ['host,flags=+aes;-pcid', 'cputype'],
    ['current=2048', 'current'],
  ])('parse/format round trip: %s', (text, defaultKey) => {
    const pairs = parsePropertyString(text, defaultKey);
    const formatted = formatPropertyString(
      pairs.map(([k, v]) => [k === defaultKey && !text.startsWith(`${k}=`) ? '' : k, v]),
    );
    expect(formatted).toBe(text);
  });

  test('a bare value gets the default key', () => {
    expect(parsePropertyString('i6300esb,action=reset', 'model')).toEqual([
      ['model', 'i6300esb'],
      ['action', 'reset'],
    ]);
    expect(parsePropertyString('', 'model')).toEqual([]);
  });

  test('values keep every byte, including = and ;', () => {
    expect(parsePropertyString('flags=+aes;-pcid,x=a=b')).toEqual([
      ['flags', '+aes;-pcid'],
      ['x', 'a=b'],
    ]);
  });
});

describe('netN values', () => {
  test.each([
    [
      'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,tag=42',
      'virtio',
      'BC:24:11:2A:3B:4C',
      { bridge: 'vmbr0', firewall: '1', tag: '42' },
    ],
    ['model=e1000,macaddr=bc:24:11:00:00:01,bridge=vmbr1', 'e1000', 'bc:24:11:00:00:01', { bridge: 'vmbr1' }],
    ['virtio,bridge=vmbr0', 'virtio', undefined, { bridge: 'vmbr0' }],
  ])('%s', (text, model, mac, options) => {
    expect(parseNet(text)).toEqual({ model, macaddr: mac, options });
  });

  test('canonical format: model=MAC first, then keys alphabetically; canonical input round-trips', () => {
    const text =
      'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,link_down=0,mtu=9000,queues=4,rate=12.5,tag=42,trunks=10;20';
    expect(formatNet(parseNet(text))).toBe(text);
    expect(formatNet(parseNet('model=virtio,tag=5,macaddr=AA:BB:CC:00:00:01,bridge=vmbr0'))).toBe(
      'virtio=AA:BB:CC:00:00:01,bridge=vmbr0,tag=5',
    );
  });

  test('not a NIC', () => {
    expect(() => parseNet('bridge=vmbr0')).toThrow(/not a network device/);
  });
});
