// copy: put content (inline or a local file) at a path atomically, with optional validation and backup.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { TaskError } from '../core/errors.js';
import { defineModule } from '../core/module.js';
import { absPath, localPath, modeArg, ownerArg, rawSrc } from './common/args.js';
import { requireOk } from './common/probe.js';
import { parseRemoteFile, planFile, remoteFileScript, sha256, type RemoteFile } from './common/remote-file.js';

/** Options shared by copy and template. */
export const fileWriteOptions = {
  dest: absPath.describe('Absolute path of the file on the host (its parent directory must exist).'),
  mode: modeArg
    .optional()
    .describe('Octal mode, e.g. "0644" (quote it in YAML). Default: keep the existing mode, 0644 for a new file.'),
  owner: ownerArg
    .optional()
    .describe('Owner (name or uid). Default: keep the existing owner, the connecting user for a new file.'),
  group: ownerArg.optional().describe('Group (name or gid). Default: keep the existing group.'),
  backup: z.boolean().optional().describe('Keep the previous file as DEST.<timestamp>.bak before replacing it.'),
  validate: z
    .string()
    .refine((s) => s.includes('%s'), 'validate must contain %s (the temp file path)')
    .optional()
    .describe(
      'Command run on the new file before it replaces the old one; %s is the temp path, e.g. "haproxy -c -f %s".',
    ),
  sensitive: z.boolean().optional().describe('Hide the diff (implied by mode 0600/0400).'),
};

export const copyArgs = z
  .object({
    ...fileWriteOptions,
    content: z.string().optional().describe('The file content (exclusive with src).'),
    src: localPath
      .optional()
      .describe('Local file to copy, relative to the playbook directory (exclusive with content).'),
  })
  .strict()
  .refine((a) => (a.content === undefined) !== (a.src === undefined), 'give exactly one of content or src');

export type CopyArgs = z.infer<typeof copyArgs>;

export interface CopyFacts {
  remote: RemoteFile;
  content: Buffer;
}

async function localContent(baseDir: string, args: CopyArgs): Promise<Buffer> {
  if (args.content !== undefined) return Buffer.from(args.content, 'utf8');
  const file = resolve(baseDir, args.src ?? '');
  try {
    return await readFile(file);
  } catch (err) {
    throw new TaskError(`cannot read src ${file}: ${(err as Error).message}`);
  }
}

export const copyModule = defineModule<CopyArgs, CopyFacts>({
  name: 'copy',
  description: 'Write a file from inline content or a local file, atomically (temp file, validate, rename).',
  args: copyArgs,
  localFiles(args, baseDir) {
    const src = rawSrc(args);
    return src === null ? [] : [{ arg: 'src', candidates: [resolve(baseDir, src)], template: false }];
  },
  async gather(ctx, args) {
    const content = await localContent(ctx.baseDir, args);
    const res = requireOk(await ctx.exec(remoteFileScript(args.dest, sha256(content))), ctx.host, `probe ${args.dest}`);
    return { remote: parseRemoteFile(res.stdout), content };
  },
  plan(facts, args) {
    return planFile(facts.remote, { ...args, path: args.dest, content: facts.content });
  },
});
