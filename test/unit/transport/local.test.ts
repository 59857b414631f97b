import { describe, expect, it } from 'vitest';
import { TaskError } from '../../../src/core/errors.js';
import { LocalTransport } from '../../../src/transport/local.js';

describe('LocalTransport', () => {
  const t = new LocalTransport('local');

  it('runs sh -c with stdin and returns code, stdout, stderr', async () => {
    expect(await t.exec('cat; echo err >&2; exit 4', { stdin: 'in\n' })).toEqual({
      code: 4,
      stdout: 'in\n',
      stderr: 'err\n',
    });
  });

  it('gives EOF on stdin when there is none', async () => {
    expect((await t.exec('cat; echo done')).stdout).toBe('done\n');
  });

  it('reports a signal-killed command with a non-zero code and says so', async () => {
    const r = await t.exec('kill -TERM $$');
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('killed by signal SIGTERM');
  });

  it('kills a command past timeoutMs and rejects with TaskError', async () => {
    const started = Date.now();
    await expect(t.exec('exec sleep 10', { timeoutMs: 100 })).rejects.toBeInstanceOf(TaskError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('survives a command that exits without reading a large stdin', async () => {
    expect((await t.exec('true', { stdin: Buffer.alloc(5_000_000) })).code).toBe(0);
  });
});
