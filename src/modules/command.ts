// command and shell: run a command on the host. The outcome is unknown before running unless a creates/removes guard settles it.
import { z } from 'zod';
import { TaskError } from '../core/errors.js';
import { defineModule, type Change, type Op, type ReadContext } from '../core/module.js';
import { quote, quoteProgram, raw, script, sh, type ShellCommand } from '../core/shell.js';
import { absPath } from './common/args.js';
import { requireOk } from './common/probe.js';

const guards = {
  chdir: absPath.optional().describe('Change into this directory first.'),
  creates: absPath.optional().describe('Skip the command when this path exists.'),
  removes: absPath.optional().describe('Skip the command when this path does not exist.'),
  stdin: z.string().optional().describe('Text fed to the command on standard input.'),
};

export const commandArgs = z
  .object({
    cmd: z
      .union([z.string().min(1), z.array(z.string()).min(1)])
      .describe(
        'argv list, or a string split into words like a shell would (quotes and backslashes) but with no pipes, redirections, globs or variables.',
      ),
    ...guards,
  })
  .strict();

export const shellArgs = z
  .object({
    cmd: z.string().min(1).describe('A full POSIX shell command line (pipes, redirections, variables), run by sh.'),
    ...guards,
  })
  .strict();

export type CommandArgs = z.infer<typeof commandArgs>;
export type ShellArgs = z.infer<typeof shellArgs>;

export interface GuardFacts {
  createsExists: boolean | null;
  removesExists: boolean | null;
}

/** Split a command string into words: single quotes, double quotes and backslash escapes, nothing else. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string))
        word += text[++i] as string;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i] as string;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) throw new TaskError(`unterminated ${quote} quote in command: ${text}`);
  if (inWord) words.push(word);
  return words;
}

/** The shell text for `command`: every word quoted, so nothing in it is a shell feature. */
export function commandLine(cmd: string | string[]): ShellCommand {
  const argv = typeof cmd === 'string' ? splitWords(cmd) : cmd;
  if (argv.length === 0) throw new TaskError('empty command');
  return raw(argv.map((w, i) => (i === 0 ? quoteProgram(w) : quote(w))).join(' ')); // every word quoted
}

export function guardScript(a: { creates?: string | undefined; removes?: string | undefined }): ShellCommand | null {
  const parts: ShellCommand[] = [];
  if (a.creates !== undefined) parts.push(sh`if [ -e ${a.creates} ]; then echo creates=1; else echo creates=0; fi`);
  if (a.removes !== undefined) parts.push(sh`if [ -e ${a.removes} ]; then echo removes=1; else echo removes=0; fi`);
  return parts.length === 0 ? null : script(parts);
}

export function parseGuards(stdout: string): GuardFacts {
  const get = (k: string): boolean | null => {
    const m = new RegExp(`^${k}=([01])$`, 'm').exec(stdout);
    return m ? m[1] === '1' : null;
  };
  return { createsExists: get('creates'), removesExists: get('removes') };
}

/** Plan one unguarded run (uncertain: check mode says "unknown"), or nothing when a guard says skip. */
export function planRun(
  facts: GuardFacts,
  line: ShellCommand,
  a: { chdir?: string | undefined; stdin?: string | undefined },
  label: string,
): Change[] {
  if (facts.createsExists === true || facts.removesExists === false) return [];
  const command = a.chdir !== undefined ? sh`cd ${a.chdir} && ${line}` : line;
  const op: Op = { kind: 'exec', command, ...(a.stdin !== undefined ? { stdin: a.stdin } : {}) };
  // Without a creates/removes guard it runs on every run; with one, running it makes the guard skip next time.
  const guarded = facts.createsExists !== null || facts.removesExists !== null;
  return [{ summary: `run ${label}`, ops: [op], uncertain: true, kind: guarded ? 'write' : 'action' }];
}

async function gatherGuards(ctx: Pick<ReadContext, 'host' | 'exec'>, a: CommandArgs | ShellArgs): Promise<GuardFacts> {
  const script = guardScript(a);
  if (script === null) return { createsExists: null, removesExists: null };
  return parseGuards(requireOk(await ctx.exec(script), ctx.host, 'check creates/removes').stdout);
}

export const commandModule = defineModule<CommandArgs, GuardFacts>({
  name: 'command',
  description: 'Run a program with arguments, without a shell (no pipes, redirections or variables).',
  args: commandArgs,
  gather: (ctx, args) => gatherGuards(ctx, args),
  plan(facts, args) {
    const line = commandLine(args.cmd);
    return planRun(facts, line, args, line.text);
  },
});

export const shellModule = defineModule<ShellArgs, GuardFacts>({
  name: 'shell',
  description: 'Run a command line through the POSIX shell (sh) on the host.',
  args: shellArgs,
  gather: (ctx, args) => gatherGuards(ctx, args),
  // The operator's own shell line, run as written: that is what the shell module is for.
  plan: (facts, args) => planRun(facts, raw(`{ ${args.cmd}\n}`), args, args.cmd),
});
