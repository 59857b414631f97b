import { describe, expect, test } from 'vitest';
import { PveApiError, PvePermissionError, errorKindFor } from '../../../src/proxmox/errors.js';
import { normalizeFingerprint } from '../../../src/proxmox/tls.js';

describe('errorKindFor', () => {
  test.each([
    [401, 'Authentication failed!', 'auth'],
    [403, 'Permission check failed (/vms/100, VM.Config.CPU)', 'permission'],
    [500, 'checksum mismatch (file change by other user?)', 'conflict'],
    [500, 'VM is locked (backup)', 'locked'],
    [500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout", 'locked'],
    [595, 'No route to host', 'unreachable'],
    [596, 'Broken pipe', 'unreachable'],
    [500, "Configuration file 'nodes/pve1/qemu-server/123.conf' does not exist", 'not-found'],
    [400, 'Parameter verification failed.', 'validation'],
    [501, "Method 'GET /nodes/pve1/foo' not implemented", 'not-implemented'],
    [500, 'VM 100 not running', 'server'],
  ])('%i %s -> %s', (status, reason, kind) => {
    expect(errorKindFor(status, reason)).toBe(kind);
  });
});

test('403 names the path and the privilege', () => {
  const e = new PvePermissionError({
    kind: 'permission',
    status: 403,
    method: 'POST',
    path: '/x',
    endpoint: 'lab',
    message: 'Permission check failed (/vms/100, VM.Config.CPU)',
  });
  expect(e.aclPath).toBe('/vms/100');
  expect(e.privilege).toBe('VM.Config.CPU');
  expect(e.forHost('lb01')).toBeInstanceOf(PvePermissionError);
  expect(e.forHost('lb01').message).toMatch(/^lb01: /);
});

test('400 errors are listed per parameter', () => {
  const e = new PveApiError({
    kind: 'validation',
    status: 400,
    method: 'POST',
    path: '/nodes/pve1/qemu/100/config',
    endpoint: 'lab',
    message: 'Parameter verification failed.',
    errors: {
      net0: 'invalid format - format error\nnet0.queues: value must have a maximum value of 64\n',
      cores: 'value must have a minimum value of 1',
    },
  });
  expect(e.message).toContain(
    '\n  net0: invalid format - format error; net0.queues: value must have a maximum value of 64',
  );
  expect(e.message).toContain('\n  cores: value must have a minimum value of 1');
});

test.each([
  [
    'aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99',
    'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
  ],
  [
    'AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899',
    'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
  ],
  ['AA:BB', null],
  ['ZZ:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99', null],
])('normalizeFingerprint(%s)', (text, want) => {
  expect(normalizeFingerprint(text)).toBe(want);
});
