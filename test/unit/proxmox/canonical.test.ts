import { describe, expect, test } from 'vitest';
import { canonicalValue, parseHotplug } from '../../../src/modules/proxmox-vm/canonical.js';

describe('canonicalValue: equal settings written differently compare equal', () => {
  test.each([
    ['watchdog', 'i6300esb,action=reset', 'model=i6300esb,action=reset'],
    ['watchdog', 'action=reset,model=i6300esb', 'model=i6300esb,action=reset'],
    ['watchdog', 'action=reset', 'model=i6300esb,action=reset'], // model defaults to i6300esb
    ['cpu', 'host', 'cputype=host'],
    ['cpu', 'flags=+aes,cputype=x86-64-v3', 'x86-64-v3,flags=+aes'],
    ['cpu', undefined, 'kvm64'], // PVE's default CPU type
    ['onboot', 1, '1'],
    ['onboot', true, 1],
    ['onboot', 'on', 1],
    ['onboot', undefined, 0],
    ['balloon', 0, '0'],
    ['memory', '2048', 2048],
    ['memory', 'current=2048', 2048],
    ['cores', undefined, 1],
    ['net0', 'virtio=bc:24:11:2a:3b:4c,bridge=vmbr0,firewall=1', 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=on'],
    [
      'net0',
      'model=virtio,macaddr=BC:24:11:2A:3B:4C,tag=5,bridge=vmbr0',
      'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,tag=5',
    ],
  ])('%s: %j == %j', (key, a, b) => {
    expect(canonicalValue(key, a)).toBe(canonicalValue(key, b));
  });

  test.each([
    ['watchdog', 'model=ib700,action=reset', 'model=i6300esb,action=reset'],
    ['watchdog', 'model=i6300esb', 'model=i6300esb,action=reset'],
    ['cpu', 'host', 'kvm64'],
    ['balloon', undefined, 0], // absent = enabled at memory size; 0 = disabled
    ['net0', 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0', 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,queues=4'],
    ['net0', 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0', 'virtio=BC:24:11:2A:3B:4D,bridge=vmbr0'],
  ])('%s: %j != %j', (key, a, b) => {
    expect(canonicalValue(key, a)).not.toBe(canonicalValue(key, b));
  });
});

test.each([
  [undefined, ['disk', 'network', 'usb']],
  ['1', ['disk', 'network', 'usb']],
  ['0', []],
  ['disk,usb', ['disk', 'usb']],
  ['network,disk,cpu,memory', ['cpu', 'disk', 'memory', 'network']],
])('parseHotplug(%j)', (value, want) => {
  expect([...parseHotplug(value)].sort()).toEqual(want);
});
