// Probe parsing and planning for copy/template/file (pure).
import { describe, expect, it } from 'vitest';
import { normalizeMode } from '../../../src/modules/common/args.js';
import { parseSections } from '../../../src/modules/common/probe.js';
import {
  parseRemoteFile,
  parseStatLine,
  planFile,
  sha256,
  type RemoteFile,
} from '../../../src/modules/common/remote-file.js';
import { fileArgs, planFilePath } from '../../../src/modules/file.js';
import { templateCandidates } from '../../../src/modules/template.js';

const remote = (p: Partial<RemoteFile>): RemoteFile => ({
  type: 'file',
  mode: '0644',
  owner: 'root',
  group: 'root',
  uid: '0',
  gid: '0',
  size: 4,
  linkTarget: null,
  sha256: null,
  content: null,
  ...p,
});

describe('probe output', () => {
  it('sections', () => {
    expect(parseSections('junk\n@@ober-section:a@@\n1\n2\n@@ober-section:b@@\n@@ober-section:c@@\nx\n')).toEqual(
      new Map([
        ['a', '1\n2'],
        ['b', ''],
        ['c', 'x'],
      ]),
    );
  });
  it.each([
    [
      'regular file|644|root|haproxy|0|112|10',
      { type: 'file', mode: '0644', owner: 'root', group: 'haproxy', size: 10 },
    ],
    ['regular empty file|600|root|root|0|0|0', { type: 'file', mode: '0600' }],
    ['directory|2755|www|www|33|33|4096', { type: 'directory', mode: '2755' }],
    ['symbolic link|777|root|root|0|0|11', { type: 'link' }],
    ['fifo|644|root|root|0|0|0', { type: 'other' }],
    ['', { type: 'absent' }],
  ])('stat %j', (line, want) => expect(parseStatLine(line)).toMatchObject(want));
  it('remote file with base64 content', () => {
    const out = [
      '@@ober-section:stat@@',
      'regular file|644|root|root|0|0|4',
      '@@ober-section:link@@',
      '@@ober-section:sha@@',
      'abc',
      '@@ober-section:content@@',
      Buffer.from('old\n').toString('base64'),
      '@@ober-section:end@@',
    ].join('\n');
    expect(parseRemoteFile(out)).toMatchObject({ type: 'file', sha256: 'abc', content: Buffer.from('old\n') });
  });
  it.each([
    ['0644', '0644'],
    ['644', '0644'],
    ['2755', '2755'],
    ['02755', '2755'],
    ['0400', '0400'],
  ])('mode %s', (m, want) => expect(normalizeMode(m)).toBe(want));
});

describe('planFile (copy/template)', () => {
  const want = { path: '/etc/x.conf', content: Buffer.from('new\n') };
  it.each([
    {
      what: 'absent → create',
      cur: remote({ type: 'absent', mode: '' }),
      w: { ...want, mode: '0644' },
      summary: ['create /etc/x.conf (mode 0644)'],
    },
    {
      what: 'same content, same meta → nothing',
      cur: remote({ sha256: sha256('new\n') }),
      w: { ...want, mode: '644', owner: 'root' },
      summary: [],
    },
    {
      what: 'same content, other mode → chmod',
      cur: remote({ sha256: sha256('new\n') }),
      w: { ...want, mode: '0600' },
      summary: ['set /etc/x.conf: mode 0644 → 0600'],
    },
    {
      what: 'numeric owner compared with uid',
      cur: remote({ sha256: sha256('new\n') }),
      w: { ...want, owner: '0', group: '0' },
      summary: [],
    },
    {
      what: 'different content → update',
      cur: remote({ sha256: 'old', content: Buffer.from('old\n') }),
      w: want,
      summary: ['update /etc/x.conf'],
    },
    {
      what: 'symlink → replace',
      cur: remote({ type: 'link', linkTarget: '/a' }),
      w: want,
      summary: ['replace symlink (→ /a) with /etc/x.conf'],
    },
  ])('$what', ({ cur, w, summary }) => expect(planFile(cur, w).map((c) => c.summary)).toEqual(summary));

  it('put op carries mode, owner, validate, backup; diff has both sides', () => {
    const [c] = planFile(remote({ sha256: 'old', content: Buffer.from('old\n') }), {
      ...want,
      mode: '640',
      owner: 'haproxy',
      validate: 'haproxy -c -f %s',
      backup: true,
    });
    expect(c?.ops).toEqual([
      {
        kind: 'put',
        path: '/etc/x.conf',
        content: want.content,
        mode: '0640',
        owner: 'haproxy',
        validate: 'haproxy -c -f %s',
        backup: true,
      },
    ]);
    expect(c?.diff).toEqual({ path: '/etc/x.conf', before: 'old\n', after: 'new\n' });
    expect(c?.sensitive).toBeUndefined();
  });

  it('an owner-only file (keys, certificates) hides its diff', () => {
    const [c] = planFile(remote({ sha256: 'old', content: Buffer.from('old\n') }), { ...want, mode: '0600' });
    expect(c?.sensitive).toBe(true);
  });
  it('a big old file is not shipped: the diff says so', () => {
    const [c] = planFile(remote({ sha256: 'old', size: 999999 }), want);
    expect(c?.diff?.before).toBe('(content not shown: 999999 bytes)\n');
  });
  it('a directory at dest is an error', () => {
    expect(() => planFile(remote({ type: 'directory' }), want)).toThrow(/is a directory/);
  });
});

describe('file planning', () => {
  const plan = (cur: Partial<RemoteFile>, a: Record<string, unknown>, mismatch: string | null = null) =>
    planFilePath({ remote: remote(cur), recurseMismatch: mismatch }, fileArgs.parse(a)).map((c) => [
      c.summary,
      ...c.ops.map((o) => (o.kind === 'exec' ? o.command.text : o.kind)),
    ]);
  it.each<[Partial<RemoteFile>, Record<string, unknown>, string[][]]>([
    [
      { type: 'absent' },
      { path: '/d', state: 'directory', mode: '0750' },
      [['create directory /d (mode 0750)', 'mkdir -p -- /d', 'chmod 0750 -- /d']],
    ],
    [{ type: 'directory', mode: '0750' }, { path: '/d', state: 'directory', mode: '0750' }, []],
    [
      { type: 'directory', mode: '0750' },
      { path: '/d', state: 'directory', owner: 'www' },
      [['set /d: owner root → www', 'chown www -- /d']],
    ],
    [{ type: 'file' }, { path: '/f', state: 'absent' }, [['remove /f (file)', 'rm -rf -- /f']]],
    [{ type: 'absent' }, { path: '/f', state: 'absent' }, []],
    [{ type: 'absent' }, { path: '/f', state: 'touch' }, [['create empty /f', 'touch -- /f']]],
    [{ type: 'file' }, { path: '/f', state: 'touch' }, []],
    [{ type: 'link', linkTarget: '/t' }, { path: '/l', state: 'link', src: '/t' }, []],
    [
      { type: 'link', linkTarget: '/o' },
      { path: '/l', state: 'link', src: '/t' },
      [['retarget (was → /o) symlink /l → /t', 'ln -sfn -- /t /l']],
    ],
    [
      { type: 'absent' },
      { path: "/we'ird", state: 'link', src: '/t' },
      [["create symlink /we'ird → /t", `ln -sfn -- /t '/we'\\''ird'`]],
    ],
  ])('%j %j', (cur, a, want) => expect(plan(cur, a)).toEqual(want));
  it('recurse applies chmod -R when something below differs', () => {
    expect(
      plan(
        { type: 'directory', mode: '0700' },
        { path: '/d', state: 'directory', mode: '0700', recurse: true },
        '/d/x',
      ),
    ).toEqual([['set /d recursively: mode 0700 (/d/x differs)', 'chmod -R 0700 -- /d']]);
  });
  it('rejects a link without src and recurse without directory', () => {
    expect(fileArgs.safeParse({ path: '/l', state: 'link' }).success).toBe(false);
    expect(fileArgs.safeParse({ path: '/l', state: 'file', recurse: true }).success).toBe(false);
    expect(fileArgs.safeParse({ path: 'relative', state: 'file' }).success).toBe(false);
  });
});

describe('template lookup', () => {
  it('playbook directory first, then the repository templates', () => {
    expect(templateCandidates('/play', 'haproxy.cfg.hbs', '/repo/templates')).toEqual([
      '/play/haproxy.cfg.hbs',
      '/repo/templates/haproxy.cfg.hbs',
    ]);
    expect(templateCandidates('/play', '/abs/x.hbs', '/repo/templates')).toEqual(['/abs/x.hbs']);
  });
});
