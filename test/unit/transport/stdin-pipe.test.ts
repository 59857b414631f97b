// The persistent shell's stdin pipe: printf's format must reproduce every byte, under dash and bash.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stdinPipe } from '../../../src/transport/shell-session.js';

const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe('stdinPipe', () => {
  it('escapes a leading "-" (printf would take it for an option) and the bytes its format reads', () => {
    expect(stdinPipe('-----BEGIN')).toBe("printf '\\055----BEGIN'");
    expect(stdinPipe('a-b%c\\d\n')).toBe("printf 'a-b\\045c\\134d\n'");
    expect(stdinPipe('')).toBe("printf ''");
  });

  for (const shell of ['dash', 'bash']) {
    it(`${shell} prints every byte value, a PEM header and the empty input exactly`, () => {
      for (const data of [
        every,
        Buffer.from('-----BEGIN CERTIFICATE-----\n'),
        Buffer.from('-'),
        Buffer.from('--'),
        Buffer.alloc(0),
      ]) {
        const r = spawnSync(shell, ['-c', stdinPipe(data)]);
        expect(r.status).toBe(0);
        expect(r.stdout.equals(data), JSON.stringify(data.subarray(0, 16).toString('latin1'))).toBe(true);
      }
    });
  }
});
