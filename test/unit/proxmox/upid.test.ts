import { describe, expect, test } from 'vitest';
import { formatUpid, isUpid, parseUpid, taskPath } from '../../../src/proxmox/upid.js';

describe('parseUpid', () => {
  test.each([
    [
      'UPID:pve1:0000ABCD:0012F3A4:66B1C2D3:qmconfig:100:ober@pve!push:',
      {
        node: 'pve1',
        pid: 0xabcd,
        pstart: 0x12f3a4,
        starttime: 0x66b1c2d3,
        type: 'qmconfig',
        id: '100',
        user: 'ober@pve!push',
      },
    ],
    [
      'UPID:pve-node-2:00001234:123456789:66B1C2D3:hastart:101:root@pam:',
      { node: 'pve-node-2', pstart: 0x123456789, type: 'hastart', id: '101', user: 'root@pam' },
    ],
    ['UPID:pve1:00001234:00000001:66B1C2D3:vzdump::root@pam:', { type: 'vzdump', id: '' }],
  ])('%s', (text, want) => {
    expect(parseUpid(text)).toMatchObject({ raw: text, ...want });
  });

  test.each([
    'UPID:pve1:0000ABCD:0012F3A4:66B1C2D3:qmconfig:100:ober@pve!push', // no trailing colon
    'UPID:pve1:XYZ:0012F3A4:66B1C2D3:qmconfig:100:root@pam:',
    'pve1:0000ABCD:0012F3A4:66B1C2D3:qmconfig:100:root@pam:',
    '',
  ])('rejects %j', (text) => {
    expect(parseUpid(text)).toBeNull();
    expect(isUpid(text)).toBe(false);
  });

  test('round trip and URL-encoded task path', () => {
    const raw = formatUpid({
      node: 'pve1',
      pid: 1,
      pstart: 2,
      starttime: 3,
      type: 'qmstart',
      id: '100',
      user: 'a@pve!t',
    });
    const u = parseUpid(raw);
    expect(u).not.toBeNull();
    if (!u) return;
    expect(u.raw).toBe(raw);
    expect(taskPath(u, 'status')).toBe(`/nodes/pve1/tasks/${encodeURIComponent(raw)}/status`);
    const segment = taskPath(u, 'status').split('/')[4] ?? '';
    expect(segment).not.toContain(':');
    expect(decodeURIComponent(segment)).toBe(raw);
    expect(taskPath(u, 'log')).toMatch(/UPID%3Apve1%3A.*%3A\/log$/);
  });
});
