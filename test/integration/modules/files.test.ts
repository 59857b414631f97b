// copy/template/file on this machine, in a temp directory: converge, keep metadata, atomic validated writes, backups.
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir, lstat, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskError } from '../../../src/core/errors.js';
import { copyModule } from '../../../src/modules/copy.js';
import { fileModule } from '../../../src/modules/file.js';
import { templateModule } from '../../../src/modules/template.js';
import { planModule, runModule } from '../../support/local-host.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ober-modules-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GOOD_CFG =
  'global\n  maxconn 100\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\nfrontend fe\n  bind 127.0.0.1:8\n';

describe('copy', () => {
  it('creates the file, then converges (second plan is empty)', async () => {
    const dest = join(dir, 'a.conf');
    const first = await runModule(copyModule, { dest, content: 'hello\n', mode: '0640' });
    expect(first.changes).toHaveLength(1);
    expect(first.changes[0]?.summary).toBe(`create ${dest} (mode 0640)`);
    expect(await readFile(dest, 'utf8')).toBe('hello\n');
    expect((await stat(dest)).mode & 0o7777).toBe(0o640);
    const second = await planModule(copyModule, { dest, content: 'hello\n', mode: '0640' });
    expect(second.changes).toEqual([]);
  });

  it('keeps an existing mode when none is given, and shows a diff', async () => {
    const dest = join(dir, 'b.conf');
    await writeFile(dest, 'old\n');
    await chmod(dest, 0o600);
    const out = await runModule(copyModule, { dest, content: 'new\n' });
    expect(out.changes[0]?.diff).toEqual({ path: dest, before: 'old\n', after: 'new\n' });
    expect((await stat(dest)).mode & 0o7777).toBe(0o600);
    expect(await readFile(dest, 'utf8')).toBe('new\n');
  });

  it('changes only metadata with chmod when the content is the same', async () => {
    const dest = join(dir, 'c.conf');
    await writeFile(dest, 'same\n');
    await chmod(dest, 0o644);
    const out = await runModule(copyModule, { dest, content: 'same\n', mode: '0600' });
    expect(out.changes).toHaveLength(1);
    expect(out.changes[0]?.summary).toBe(`set ${dest}: mode 0644 → 0600`);
    expect(out.changes[0]?.ops.every((o) => o.kind === 'exec')).toBe(true);
    expect((await stat(dest)).mode & 0o7777).toBe(0o600);
    expect((await planModule(copyModule, { dest, content: 'same\n', mode: '0600' })).changes).toEqual([]);
  });

  it('copies a local src relative to baseDir', async () => {
    await writeFile(join(dir, 'src.txt'), 'from src\n');
    const dest = join(dir, 'out.txt');
    await runModule(copyModule, { dest, src: 'src.txt' }, { baseDir: dir });
    expect(await readFile(dest, 'utf8')).toBe('from src\n');
    expect((await planModule(copyModule, { dest, src: 'src.txt' }, { baseDir: dir })).changes).toEqual([]);
  });

  it('a failing validate (haproxy -c) leaves the old file in place and no temp file behind', async () => {
    const dest = join(dir, 'haproxy.cfg');
    const validate = 'haproxy -c -f %s';
    await runModule(copyModule, { dest, content: GOOD_CFG, validate });
    expect(await readFile(dest, 'utf8')).toBe(GOOD_CFG);
    const broken = GOOD_CFG + 'frontend broken\n  bind 127.0.0.1:9\n  no-such-keyword here\n';
    await expect(runModule(copyModule, { dest, content: broken, validate })).rejects.toThrow(TaskError);
    expect(await readFile(dest, 'utf8')).toBe(GOOD_CFG);
    expect((await readdir(dir)).filter((f) => f.startsWith('.ober-push'))).toEqual([]);
  });

  it('backup keeps the previous version', async () => {
    const dest = join(dir, 'd.conf');
    await writeFile(dest, 'v1\n');
    await runModule(copyModule, { dest, content: 'v2\n', backup: true });
    const backups = (await readdir(dir)).filter((f) => f.startsWith('d.conf.') && f.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(await readFile(join(dir, backups[0] ?? ''), 'utf8')).toBe('v1\n');
    expect(await readFile(dest, 'utf8')).toBe('v2\n');
  });

  it('marks 0600 files sensitive', async () => {
    const out = await planModule(copyModule, { dest: join(dir, 'key.pem'), content: 'secret', mode: '0600' });
    expect(out.changes[0]?.sensitive).toBe(true);
  });
});

describe('template', () => {
  it('renders with vars, converges, and names a missing variable', async () => {
    await writeFile(join(dir, 't.cfg.hbs'), 'maxconn {{ haproxy.maxconn }}\nnode {{ name }}\n');
    const dest = join(dir, 't.cfg');
    const vars = { haproxy: { maxconn: 4000 }, name: 'lb01' };
    const out = await runModule(templateModule, { src: 't.cfg.hbs', dest }, { baseDir: dir, vars });
    expect(out.changes).toHaveLength(1);
    expect(await readFile(dest, 'utf8')).toBe('maxconn 4000\nnode lb01\n');
    expect((await planModule(templateModule, { src: 't.cfg.hbs', dest }, { baseDir: dir, vars })).changes).toEqual([]);
    await expect(
      planModule(templateModule, { src: 't.cfg.hbs', dest }, { baseDir: dir, vars: { name: 'x' } }),
    ).rejects.toThrow(/t\.cfg\.hbs.*haproxy\.maxconn/);
  });

  it('exposes facts to templates that use them', async () => {
    await writeFile(join(dir, 'f.hbs'), 'host {{ facts.hostname }}\n');
    const dest = join(dir, 'f.txt');
    await runModule(templateModule, { src: 'f.hbs', dest }, { baseDir: dir });
    expect(await readFile(dest, 'utf8')).toBe('host localhost\n');
  });
});

describe('file', () => {
  it('directory: creates with mode, converges, then fixes a mode drift', async () => {
    const path = join(dir, 'sub', 'deeper');
    const first = await runModule(fileModule, { path, state: 'directory', mode: '0750' });
    expect(first.changes[0]?.summary).toBe(`create directory ${path} (mode 0750)`);
    expect((await stat(path)).mode & 0o7777).toBe(0o750);
    expect((await planModule(fileModule, { path, state: 'directory', mode: '0750' })).changes).toEqual([]);
    await chmod(path, 0o755);
    const fix = await runModule(fileModule, { path, state: 'directory', mode: '0750' });
    expect(fix.changes[0]?.summary).toBe(`set ${path}: mode 0755 → 0750`);
  });

  it('directory recurse: finds a nested drift and fixes it', async () => {
    const path = join(dir, 'tree');
    await mkdir(join(path, 'a'), { recursive: true });
    await writeFile(join(path, 'a', 'x'), '');
    await chmod(join(path, 'a', 'x'), 0o600);
    await chmod(join(path, 'a'), 0o700);
    await chmod(path, 0o700);
    const out = await runModule(fileModule, { path, state: 'directory', mode: '0700', recurse: true });
    expect(out.changes).toHaveLength(1);
    expect((await stat(join(path, 'a', 'x'))).mode & 0o7777).toBe(0o700);
    expect((await planModule(fileModule, { path, state: 'directory', mode: '0700', recurse: true })).changes).toEqual(
      [],
    );
  });

  it('touch, link, absent converge', async () => {
    const f = join(dir, 'touched');
    await runModule(fileModule, { path: f, state: 'touch', mode: '0600' });
    expect((await stat(f)).mode & 0o7777).toBe(0o600);
    expect((await planModule(fileModule, { path: f, state: 'touch', mode: '0600' })).changes).toEqual([]);

    const l = join(dir, 'link');
    await runModule(fileModule, { path: l, state: 'link', src: f });
    expect(await readlink(l)).toBe(f);
    expect((await planModule(fileModule, { path: l, state: 'link', src: f })).changes).toEqual([]);
    const re = await runModule(fileModule, { path: l, state: 'link', src: '/etc/hostname' });
    expect(re.changes[0]?.summary).toContain('retarget');
    expect(await readlink(l)).toBe('/etc/hostname');

    await runModule(fileModule, { path: l, state: 'absent' });
    await expect(lstat(l)).rejects.toThrow();
    expect((await planModule(fileModule, { path: l, state: 'absent' })).changes).toEqual([]);
  });

  it('state file on a missing path is an error', async () => {
    await expect(planModule(fileModule, { path: join(dir, 'nope'), state: 'file' })).rejects.toThrow(/does not exist/);
  });
});
