// file: make a path a file, directory, symlink, or absent, with mode/owner/group (optionally recursive).
import { z } from 'zod';
import { TaskError } from '../core/errors.js';
import { defineModule, type Change, type Op } from '../core/module.js';
import { raw, script, sh, type ShellCommand } from '../core/shell.js';
import { absPath, modeArg, normalizeMode, ownerArg } from './common/args.js';
import { parseSections, requireOk, section } from './common/probe.js';
import { metadataOps, parseRemoteFile, remoteFileScript, type RemoteFile } from './common/remote-file.js';

export const fileArgs = z
  .object({
    path: absPath.describe('Absolute path on the host.'),
    state: z
      .enum(['file', 'directory', 'absent', 'touch', 'link'])
      .default('file')
      .describe(
        'file: must exist, set metadata; directory: mkdir -p; absent: rm -rf; touch: create empty if missing (mtime is not bumped, so it converges); link: symlink to src.',
      ),
    src: z
      .string()
      .min(1)
      .optional()
      .describe('Link target (state: link); stored as given, relative targets resolve from the link directory.'),
    mode: modeArg.optional().describe('Octal mode, e.g. "0755" (quote it in YAML).'),
    owner: ownerArg.optional().describe('Owner (name or uid).'),
    group: ownerArg.optional().describe('Group (name or gid).'),
    recurse: z
      .boolean()
      .default(false)
      .describe('state: directory only: apply mode/owner/group to everything below too.'),
  })
  .strict()
  .refine(
    (a) => (a.state === 'link') === (a.src !== undefined),
    'src is required with state: link and allowed only there',
  )
  .refine((a) => !a.recurse || a.state === 'directory', 'recurse needs state: directory');

export type FileArgs = z.infer<typeof fileArgs>;

export interface FileFacts {
  remote: RemoteFile;
  /** With recurse: the first path below that does not match mode/owner/group, or null. */
  recurseMismatch: string | null;
}

/** find(1) tests matching an entry whose metadata differs from what is wanted. */
function mismatchTests(args: FileArgs): ShellCommand[] {
  const tests: ShellCommand[] = [];
  if (args.mode !== undefined) tests.push(sh`! -perm ${normalizeMode(args.mode)}`);
  if (args.owner !== undefined) tests.push(sh`! -user ${args.owner}`);
  if (args.group !== undefined) tests.push(sh`! -group ${args.group}`);
  return tests.flatMap((t, i) => (i === 0 ? [t] : [raw('-o'), t]));
}

export function fileProbeScript(args: FileArgs): ShellCommand {
  const probe = script(remoteFileScript(args.path, null), raw(section('recurse')));
  const tests = mismatchTests(args);
  if (!args.recurse || tests.length === 0) return probe;
  return script(
    probe,
    sh`if [ -d ${args.path} ]; then find ${args.path} -mindepth 1 \\( ${tests} \\) -print -quit; fi`,
  );
}

export function parseFileProbe(stdout: string): FileFacts {
  const mismatch = (parseSections(stdout).get('recurse') ?? '').trim();
  return { remote: parseRemoteFile(stdout), recurseMismatch: mismatch === '' ? null : mismatch };
}

function change(summary: string, ops: Op[]): Change[] {
  return [{ summary, ops }];
}

function metaChange(args: FileArgs, facts: FileFacts): Change[] {
  const { ops, words } = metadataOps(args.path, facts.remote, args);
  if (args.recurse && facts.recurseMismatch !== null) {
    // Something below differs: apply everything recursively (chmod -R / chown -R on the whole tree).
    const blank = { ...facts.remote, mode: '', owner: '', group: '', uid: '', gid: '' };
    const r = metadataOps(args.path, blank, args, { recurse: true });
    const wanted = [
      args.mode && `mode ${normalizeMode(args.mode)}`,
      args.owner && `owner ${args.owner}`,
      args.group && `group ${args.group}`,
    ];
    return change(
      `set ${args.path} recursively: ${wanted.filter(Boolean).join(', ')} (${facts.recurseMismatch} differs)`,
      r.ops,
    );
  }
  return ops.length === 0 ? [] : change(`set ${args.path}: ${words.join(', ')}`, ops);
}

/** Metadata ops for a path that is about to be created (no current state). */
function createOps(args: FileArgs): Op[] {
  return metadataOps(
    args.path,
    { type: 'absent', mode: '', owner: '', group: '', uid: '', gid: '', size: 0, linkTarget: null },
    args,
  ).ops;
}

export function planFilePath(facts: FileFacts, args: FileArgs): Change[] {
  const cur = facts.remote;
  const p = args.path;
  switch (args.state) {
    case 'absent':
      return cur.type === 'absent'
        ? []
        : change(`remove ${p} (${cur.type})`, [{ kind: 'exec', command: sh`rm -rf -- ${p}` }]);
    case 'file':
      if (cur.type === 'absent') throw new TaskError(`${p} does not exist (use state: touch to create it)`);
      if (cur.type !== 'file') throw new TaskError(`${p} is a ${cur.type}, not a file`);
      return metaChange(args, facts);
    case 'touch':
      if (cur.type === 'absent')
        return change(`create empty ${p}`, [{ kind: 'exec', command: sh`touch -- ${p}` }, ...createOps(args)]);
      return metaChange(args, facts);
    case 'directory':
      if (cur.type === 'absent') {
        const ops: Op[] = [{ kind: 'exec', command: sh`mkdir -p -- ${p}` }, ...createOps(args)];
        return change(`create directory ${p}${args.mode ? ` (mode ${normalizeMode(args.mode)})` : ''}`, ops);
      }
      if (cur.type !== 'directory') throw new TaskError(`${p} exists and is a ${cur.type}, not a directory`);
      return metaChange(args, facts);
    case 'link': {
      const target = args.src ?? '';
      if (cur.type === 'directory') throw new TaskError(`${p} is a directory; refusing to replace it with a symlink`);
      if (cur.type === 'link' && cur.linkTarget === target) {
        const ownOnly = { ...args, mode: undefined }; // a symlink's mode means nothing on Linux
        const { ops, words } = metadataOps(p, cur, ownOnly, { symlink: true });
        return ops.length === 0 ? [] : change(`set symlink ${p}: ${words.join(', ')}`, ops);
      }
      const what =
        cur.type === 'absent'
          ? 'create'
          : cur.type === 'link'
            ? `retarget (was → ${cur.linkTarget ?? '?'})`
            : `replace ${cur.type} with`;
      const ops: Op[] = [{ kind: 'exec', command: sh`ln -sfn -- ${target} ${p}` }];
      if (args.owner !== undefined || args.group !== undefined) {
        ops.push({
          kind: 'exec',
          command: sh`chown -h ${`${args.owner ?? ''}${args.group ? `:${args.group}` : ''}`} -- ${p}`,
        });
      }
      return change(`${what} symlink ${p} → ${target}`, ops);
    }
  }
}

export const fileModule = defineModule<FileArgs, FileFacts>({
  name: 'file',
  description: 'Ensure a path is a file, directory, symlink or absent, with mode/owner/group.',
  args: fileArgs,
  async gather(ctx, args) {
    const res = requireOk(await ctx.exec(fileProbeScript(args)), ctx.host, `probe ${args.path}`);
    return parseFileProbe(res.stdout);
  },
  plan: planFilePath,
});
