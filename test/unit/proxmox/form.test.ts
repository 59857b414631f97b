import { describe, expect, test } from 'vitest';
import { decodeForm, encodeForm } from '../../../src/proxmox/form.js';

// pveproxy's decoder: split pairs on '&', each pair on every '=', keep the first two pieces, '+' is a space.
function pveproxyDecode(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of body.split('&')) {
    const [k, v] = pair.split('=');
    out[decodeURIComponent((k ?? '').replace(/\+/g, ' '))] = decodeURIComponent((v ?? '').replace(/\+/g, ' '));
  }
  return out;
}

describe('encodeForm', () => {
  test.each([
    ['net0', 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,queues=4'],
    ['cpu', 'host,flags=+aes;+pdpe1gb'],
    ['description', 'a b&c=d%e'],
    ['watchdog', 'model=i6300esb,action=reset'],
  ])('%s survives pveproxy decoding byte for byte', (key, value) => {
    const body = encodeForm({ [key]: value });
    expect(body).not.toMatch(/=.*=/); // only the separator '=' is raw
    expect(body).not.toContain('+a'); // '+' is escaped as %2B
    expect(pveproxyDecode(body)[key]).toBe(value);
    expect(decodeForm(body)[key]).toBe(value);
  });

  test('escapes = + , explicitly', () => {
    expect(encodeForm({ v: 'a=b+c,d' })).toBe('v=a%3Db%2Bc%2Cd');
  });

  test('booleans become 1/0, numbers decimal, undefined is left out', () => {
    expect(encodeForm({ onboot: true, numa: false, cores: 4, skip: undefined })).toBe('onboot=1&numa=0&cores=4');
  });

  test('non-finite numbers are refused', () => {
    expect(() => encodeForm({ x: Number.NaN })).toThrow();
  });
});
