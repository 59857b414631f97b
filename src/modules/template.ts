// template: render a Handlebars template (strict: a missing variable names template and variable), then write it as copy does.
import { access, readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TaskError } from '../core/errors.js';
import { defineModule } from '../core/module.js';
import { renderTemplate } from '../render/template.js';
import { localPath, rawSrc } from './common/args.js';
import { requireOk } from './common/probe.js';
import { parseRemoteFile, planFile, remoteFileScript, sha256, type RemoteFile } from './common/remote-file.js';
import { fileWriteOptions } from './copy.js';

/** The repository's templates/ directory (same depth from src/modules and dist/modules). */
export const REPO_TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));

export const templateArgs = z
  .object({
    ...fileWriteOptions,
    src: localPath.describe(
      "Template file (.hbs), relative to the playbook directory, else to the repository's templates/ directory.",
    ),
  })
  .strict();

export type TemplateArgs = z.infer<typeof templateArgs>;

export interface TemplateFacts {
  remote: RemoteFile;
  content: Buffer;
  source: string; // the template file that was rendered
}

/** Candidate files for `src`, in lookup order. */
export function templateCandidates(baseDir: string, src: string, repoTemplates = REPO_TEMPLATES): string[] {
  return isAbsolute(src) ? [src] : [resolve(baseDir, src), resolve(repoTemplates, src)];
}

async function findTemplate(candidates: string[]): Promise<string> {
  for (const file of candidates) {
    try {
      await access(file);
      return file;
    } catch {
      // try the next one
    }
  }
  throw new TaskError(`template not found: ${candidates.join(', ')}`);
}

export const templateModule = defineModule<TemplateArgs, TemplateFacts>({
  name: 'template',
  description: 'Render a Handlebars template with the host variables (and `facts`) and write it atomically like copy.',
  args: templateArgs,
  localFiles(args, baseDir) {
    const src = rawSrc(args);
    return src === null ? [] : [{ arg: 'src', candidates: templateCandidates(baseDir, src), template: true }];
  },
  async gather(ctx, args) {
    const file = await findTemplate(templateCandidates(ctx.baseDir, args.src));
    const source = await readFile(file, 'utf8');
    // Facts cost a round trip on first use: fetch them only when the template mentions them.
    const context = /\bfacts\b/.test(source) ? { ...ctx.vars, facts: await ctx.facts() } : { ...ctx.vars };
    const content = Buffer.from(renderTemplate(source, context, { name: args.src }), 'utf8');
    const res = requireOk(await ctx.exec(remoteFileScript(args.dest, sha256(content))), ctx.host, `probe ${args.dest}`);
    return { remote: parseRemoteFile(res.stdout), content, source: file };
  },
  plan(facts, args) {
    return planFile(facts.remote, { ...args, path: args.dest, content: facts.content });
  },
});
