// One-round-trip probe of a remote path (type, mode, owner, sha256, content) and the copy/template plan.
import { createHash } from 'node:crypto';
import { TaskError } from '../../core/errors.js';
import type { Change, FileDiff, Op } from '../../core/module.js';
import { quote, raw, sh, type ShellCommand } from '../../core/shell.js';
import { normalizeMode, statMode } from './args.js';
import { parseSections, section as probeSection } from './probe.js';

/** Files larger than this are compared by sha256 only; their old content is not fetched for the diff. */
export const MAX_DIFF_BYTES = 256 * 1024;

export type RemoteType = 'file' | 'directory' | 'link' | 'other' | 'absent';

export interface RemoteStat {
  type: RemoteType;
  mode: string; // four octal digits, "" when absent
  owner: string;
  group: string;
  uid: string;
  gid: string;
  size: number;
  linkTarget: string | null;
}

export interface RemoteFile extends RemoteStat {
  sha256: string | null;
  /** The current content, when it differs from the wanted one and is small enough; null otherwise. */
  content: Buffer | null;
}

/**
 * Probe script: never follows a symlink at `path`. When `expectSha` is given, the content is only
 * shipped back (base64) when it differs and is at most MAX_DIFF_BYTES.
 */
export function remoteFileScript(path: string, expectSha: string | null, prefix = ''): ShellCommand {
  const section = (name: string): string => probeSection(prefix + name);
  const lines = [
    `p=${quote(path)}`,
    section('stat'),
    `if [ -e "$p" ] || [ -L "$p" ]; then stat -c '%F|%a|%U|%G|%u|%g|%s' -- "$p"; fi`,
    section('link'),
    `if [ -L "$p" ]; then readlink -- "$p"; fi`,
    section('sha'),
    `if [ -f "$p" ] && [ ! -L "$p" ]; then sha=$(sha256sum < "$p" | cut -d' ' -f1); echo "$sha"; else sha=; fi`,
    section('content'),
    expectSha === null
      ? ':'
      : `if [ -n "$sha" ] && [ "$sha" != ${quote(expectSha)} ] && [ "$(stat -c %s -- "$p")" -le ${MAX_DIFF_BYTES} ]; then base64 -w0 < "$p"; fi`,
    section('end'),
  ];
  return raw(lines.join('\n')); // constants, and values through quote
}

export function parseStatLine(line: string): RemoteStat {
  const absent: RemoteStat = {
    type: 'absent',
    mode: '',
    owner: '',
    group: '',
    uid: '',
    gid: '',
    size: 0,
    linkTarget: null,
  };
  const trimmed = line.trim();
  if (trimmed === '') return absent;
  const parts = trimmed.split('|');
  const [kind = '', mode = '', owner = '', group = '', uid = '', gid = '', size = '0'] = parts;
  const type: RemoteType = kind.startsWith('regular')
    ? 'file'
    : kind === 'directory'
      ? 'directory'
      : kind === 'symbolic link'
        ? 'link'
        : 'other';
  return { type, mode: statMode(mode), owner, group, uid, gid, size: Number(size), linkTarget: null };
}

/** Parse remoteFileScript's sections (named with the same `prefix`). */
export function parseRemoteFile(stdout: string, prefix = ''): RemoteFile {
  const all = parseSections(stdout);
  const get = (name: string): string => all.get(prefix + name) ?? '';
  const stat = parseStatLine(get('stat'));
  const link = get('link');
  const sha = get('sha').trim();
  const content = get('content').trim();
  return {
    ...stat,
    linkTarget: stat.type === 'link' ? link : null,
    sha256: sha === '' ? null : sha,
    content: content === '' ? null : Buffer.from(content, 'base64'),
  };
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface Ownership {
  mode?: string | undefined;
  owner?: string | undefined;
  group?: string | undefined;
}

/** True when `want` (a name or numeric id) names the same user/group as the stat's name/id. */
function sameId(want: string, name: string, id: string): boolean {
  return /^\d+$/.test(want) ? want === id : want === name;
}

/** The chmod/chown ops (and words for the summary) needed to bring an existing path to `want`. */
export function metadataOps(
  path: string,
  st: RemoteStat,
  want: Ownership,
  /** recurse: below a directory too (-R); symlink: the link itself, never its target (chown -h). */
  how: { recurse?: boolean; symlink?: boolean } = {},
): { ops: Op[]; words: string[] } {
  const ops: Op[] = [];
  const words: string[] = [];
  const chmod = how.recurse ? ['chmod', '-R'] : ['chmod'];
  const chown = how.recurse ? ['chown', '-R'] : how.symlink ? ['chown', '-h'] : ['chown'];
  if (want.mode !== undefined && normalizeMode(want.mode) !== st.mode) {
    ops.push({ kind: 'exec', command: sh`${chmod} ${normalizeMode(want.mode)} -- ${path}` });
    words.push(`mode ${st.mode || '-'} → ${normalizeMode(want.mode)}`);
  }
  const ownerDiff = want.owner !== undefined && !sameId(want.owner, st.owner, st.uid);
  const groupDiff = want.group !== undefined && !sameId(want.group, st.group, st.gid);
  if (ownerDiff || groupDiff) {
    const spec = `${ownerDiff ? want.owner : ''}${groupDiff ? `:${want.group}` : ''}`;
    ops.push({ kind: 'exec', command: sh`${chown} ${spec} -- ${path}` });
    if (ownerDiff) words.push(`owner ${st.owner} → ${want.owner}`);
    if (groupDiff) words.push(`group ${st.group} → ${want.group}`);
  }
  return { ops, words };
}

export interface WantFile extends Ownership {
  path: string;
  content: Buffer;
  backup?: boolean | undefined;
  validate?: string | undefined;
  sensitive?: boolean | undefined;
}

/** Text for a diff side, or a placeholder for binary or unfetched content. */
function diffText(content: Buffer | null, size: number): string {
  if (content === null) return `(content not shown: ${size} bytes)\n`;
  const text = content.toString('utf8');
  return text.includes('\u0000') || text.includes('\uFFFD') ? `(binary content: ${content.length} bytes)\n` : text;
}

function isSecretMode(mode: string | undefined): boolean {
  if (mode === undefined) return false;
  const m = normalizeMode(mode);
  // Owner-only files are keys and secrets; group-readable configs (0640) keep their diffs visible.
  return m === '0600' || m === '0400';
}

/** Plan for copy/template: a put when content differs (or the path is absent), chmod/chown when only metadata does. */
export function planFile(cur: RemoteFile, want: WantFile): Change[] {
  if (cur.type === 'directory' || cur.type === 'other') {
    throw new TaskError(
      `${want.path} exists and is a ${cur.type === 'directory' ? 'directory' : 'special file'}, not a regular file`,
    );
  }
  // The current mode counts too: a task that does not restate 0600 must not reveal an owner-only file.
  const sensitive =
    want.sensitive === true || isSecretMode(want.mode) || (cur.type === 'file' && isSecretMode(cur.mode));
  const wantSha = sha256(want.content);
  if (cur.type === 'file' && cur.sha256 === wantSha) {
    const { ops, words } = metadataOps(want.path, cur, want);
    return ops.length === 0 ? [] : [{ summary: `set ${want.path}: ${words.join(', ')}`, ops }];
  }
  const put: Op = { kind: 'put', path: want.path, content: want.content };
  if (want.mode !== undefined) put.mode = normalizeMode(want.mode);
  if (want.owner !== undefined) put.owner = want.owner;
  if (want.group !== undefined) put.group = want.group;
  if (want.validate !== undefined) put.validate = want.validate;
  if (want.backup === true) put.backup = true;
  const verb =
    cur.type === 'absent'
      ? 'create'
      : cur.type === 'link'
        ? `replace symlink (→ ${cur.linkTarget ?? '?'}) with`
        : 'update';
  const mode = want.mode !== undefined ? ` (mode ${normalizeMode(want.mode)})` : '';
  const before = cur.type === 'file' ? diffText(cur.content, cur.size) : null;
  const diff: FileDiff = { path: want.path, before, after: diffText(want.content, want.content.length) };
  const change: Change = { summary: `${verb} ${want.path}${mode}`, diff, ops: [put] };
  if (sensitive) change.sensitive = true;
  return [change];
}
