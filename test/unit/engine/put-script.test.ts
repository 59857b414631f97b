// The atomic write script, run for real under dash in a temp directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { putScript } from '../../../src/engine/apply-ops.js';

function runPut(op: Parameters<typeof putScript>[0]) {
  const r = spawnSync('dash', ['-c', putScript(op).text], { input: op.content, encoding: 'utf8' });
  return { code: r.status ?? -1, stderr: r.stderr };
}

describe('putScript', () => {
  it('creates a new file with the requested mode and leaves no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'put-'));
    const path = join(dir, "a file with 'quotes'.cfg");
    expect(runPut({ kind: 'put', path, content: 'hello\n', mode: '0640' }).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('hello\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["a file with 'quotes'.cfg"]);
  });

  it('keeps the existing mode when none is given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'put-'));
    const path = join(dir, 'keep.cfg');
    writeFileSync(path, 'old\n');
    chmodSync(path, 0o600);
    expect(runPut({ kind: 'put', path, content: 'new\n' }).code).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('leaves the old file in place and exits 65 with the validator output when validation fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'put-'));
    const path = join(dir, 'x.cfg');
    writeFileSync(path, 'good\n');
    const r = runPut({
      kind: 'put',
      path,
      content: 'bad\n',
      validate: 'grep -q good %s || { echo "rejected: no good line"; false; }',
    });
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('rejected: no good line');
    expect(readFileSync(path, 'utf8')).toBe('good\n');
    expect(readdirSync(dir)).toEqual(['x.cfg']);
  });

  it('keeps a backup of the old file when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'put-'));
    const path = join(dir, 'b.cfg');
    writeFileSync(path, 'v1\n');
    expect(runPut({ kind: 'put', path, content: 'v2\n', backup: true }).code).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    const backup = files.find((f) => f.endsWith('.bak'));
    expect(backup && readFileSync(join(dir, backup), 'utf8')).toBe('v1\n');
    expect(readFileSync(path, 'utf8')).toBe('v2\n');
  });

  it('fails without touching anything when the directory does not exist', () => {
    const r = runPut({ kind: 'put', path: '/nonexistent-dir-for-test/x', content: 'x' });
    expect(r.code).not.toBe(0);
  });
});
