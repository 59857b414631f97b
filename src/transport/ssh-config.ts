// A reader for OpenSSH client config (~/.ssh/config): the options ober-push uses, first value wins.
// `Match` blocks are skipped (never applied); unknown options are ignored.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { globMatch, patternListMatch } from './host-pattern.js';

/** One option line with the Host conditions it sits under (all must match). */
export interface SshConfigEntry {
  key: string; // lower-case keyword
  args: string[];
  /** The value as written after the keyword (ProxyCommand is a shell command, not a word list). */
  rest: string;
  /** Each element is one Host line's patterns; `null` stands for a Match block (never applies). */
  guards: Array<string[] | null>;
  file: string;
  line: number;
}

export interface SshConfig {
  entries: SshConfigEntry[];
}

/** What the config says for one host, tokens expanded. Unset options are undefined. */
export interface HostConfig {
  hostName: string;
  user: string;
  port: number;
  identityFiles: string[];
  proxyJump?: string; // "none" already mapped to undefined
  proxyCommand?: string;
  strictHostKeyChecking?: string; // lower-case: yes | no | accept-new | ask | off
  userKnownHostsFiles?: string[];
  hostKeyAlias?: string;
  hashKnownHosts?: boolean;
  identityAgent?: string; // "none" disables the agent; "SSH_AUTH_SOCK" means the env var
  connectTimeoutSec?: number;
  serverAliveIntervalSec?: number;
  serverAliveCountMax?: number;
}

export interface ResolveContext {
  homeDir?: string;
  localUser?: string;
  /** Inventory values win over the config file, as command-line options do for ssh. */
  user?: string;
  port?: number;
}

const MAX_INCLUDE_DEPTH = 16;

/** Read a config file; a missing file is an empty config. */
export function loadSshConfig(path?: string, homeDir: string = homedir()): SshConfig {
  const file = path ?? join(homeDir, '.ssh', 'config');
  if (!existsSync(file)) return { entries: [] };
  return parseSshConfig(readFileSync(file, 'utf8'), { file, homeDir });
}

export function parseSshConfig(text: string, opts: { file?: string; homeDir?: string } = {}): SshConfig {
  const entries: SshConfigEntry[] = [];
  parseInto(entries, text, opts.file ?? '<ssh_config>', opts.homeDir ?? homedir(), [], 0);
  return { entries };
}

function parseInto(
  out: SshConfigEntry[],
  text: string,
  file: string,
  home: string,
  outer: Array<string[] | null>,
  depth: number,
): void {
  let guards = outer;
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    const parsed = splitLine(raw);
    if (!parsed) return;
    const { key, rest } = parsed;
    const args = splitArgs(rest, file, lineNo);
    if (key === 'host') {
      guards = [...outer, args];
    } else if (key === 'match') {
      guards = [...outer, null];
    } else if (key === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) throw configError(file, lineNo, 'Include', 'includes nested too deeply');
      for (const arg of args) {
        for (const inc of expandInclude(arg, home))
          parseInto(out, readFileSync(inc, 'utf8'), inc, home, guards, depth + 1);
      }
    } else {
      out.push({ key, args, rest, guards, file, line: lineNo });
    }
  });
}

/** "Keyword value", "Keyword=value" or "Keyword = value"; null for blank and comment lines. */
function splitLine(raw: string): { key: string; rest: string } | null {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return null;
  const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+|$)(.*)$/.exec(line);
  if (!m) return null;
  return { key: (m[1] ?? '').toLowerCase(), rest: (m[2] ?? '').trim() };
}

/** Whitespace-separated words; double quotes group a word. */
function splitArgs(rest: string, file: string, line: number): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    const word = m[1] ?? m[2] ?? '';
    if (m[2]?.includes('"')) throw configError(file, line, '', `unbalanced quote in "${rest}"`);
    words.push(word);
  }
  return words;
}

/** Relative Include paths are relative to ~/.ssh; the last path components may hold wildcards. */
function expandInclude(pattern: string, home: string): string[] {
  const abs = pattern.startsWith('~')
    ? join(home, pattern.slice(1))
    : isAbsolute(pattern)
      ? pattern
      : join(home, '.ssh', pattern);
  return globPath(abs);
}

function globPath(path: string): string[] {
  if (!/[*?]/.test(path)) return existsSync(path) ? [path] : [];
  const parts = path.split('/');
  let bases = ['/'];
  for (const part of parts.filter((p) => p !== '')) {
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?]/.test(part)) {
        const candidate = join(base, part);
        if (existsSync(candidate)) next.push(candidate);
        continue;
      }
      let names: string[] = [];
      try {
        names = readdirSync(base).sort();
      } catch {
        names = [];
      }
      for (const name of names) if (!name.startsWith('.') && globMatch(part, name)) next.push(join(base, name));
    }
    bases = next;
  }
  return bases.sort();
}

/** The options for `name` (the host as given to ssh: the inventory address or, failing that, its name). */
export function resolveHostConfig(config: SshConfig, name: string, ctx: ResolveContext = {}): HostConfig {
  const first = new Map<string, SshConfigEntry>();
  const identityFiles: SshConfigEntry[] = [];
  for (const entry of config.entries) {
    if (!entry.guards.every((g) => g !== null && patternListMatch(g, name))) continue;
    if (entry.key === 'identityfile')
      identityFiles.push(entry); // every IdentityFile is tried, in order
    else if (!first.has(entry.key)) first.set(entry.key, entry);
  }
  const home = ctx.homeDir ?? homedir();
  const localUser = ctx.localUser ?? userInfo().username;
  const word = (key: string): string | undefined => first.get(key)?.args[0];

  const hostName = expand(word('hostname') ?? name, { h: name, '%': '%' });
  const user = ctx.user ?? word('user') ?? localUser;
  const port = ctx.port ?? intOption(first.get('port'), 1, 65535) ?? 22;
  const tokens = { h: hostName, n: name, p: String(port), r: user, u: localUser, d: home, '%': '%' };
  const path = (p: string): string => tildeExpand(expand(p, tokens), home);

  const cfg: HostConfig = {
    hostName,
    user,
    port,
    identityFiles: identityFiles.flatMap((e) => e.args.map(path)).filter((p) => p.toLowerCase() !== 'none'),
  };
  const jump = word('proxyjump');
  if (jump !== undefined && jump.toLowerCase() !== 'none') cfg.proxyJump = jump;
  const proxyCommand = first.get('proxycommand')?.rest;
  if (proxyCommand !== undefined && proxyCommand.toLowerCase() !== 'none')
    cfg.proxyCommand = expand(proxyCommand, tokens);
  const strict = word('stricthostkeychecking');
  if (strict !== undefined) cfg.strictHostKeyChecking = strict.toLowerCase();
  const knownHosts = first.get('userknownhostsfile')?.args;
  if (knownHosts !== undefined && knownHosts.length > 0) cfg.userKnownHostsFiles = knownHosts.map(path);
  const alias = word('hostkeyalias');
  if (alias !== undefined) cfg.hostKeyAlias = alias;
  const hash = word('hashknownhosts');
  if (hash !== undefined) cfg.hashKnownHosts = hash.toLowerCase() === 'yes';
  const agent = word('identityagent');
  if (agent !== undefined)
    cfg.identityAgent = agent === 'SSH_AUTH_SOCK' || agent.toLowerCase() === 'none' ? agent : path(agent);
  const connectTimeout = intOption(first.get('connecttimeout'), 0, 86_400);
  if (connectTimeout !== undefined) cfg.connectTimeoutSec = connectTimeout;
  const alive = intOption(first.get('serveraliveinterval'), 0, 86_400);
  if (alive !== undefined) cfg.serverAliveIntervalSec = alive;
  const aliveMax = intOption(first.get('serveralivecountmax'), 0, 1000);
  if (aliveMax !== undefined) cfg.serverAliveCountMax = aliveMax;
  return cfg;
}

/** Replace `%x` tokens; an unknown token is left as written. */
export function expand(text: string, tokens: Readonly<Record<string, string>>): string {
  return text.replace(/%(.)/g, (whole, t: string) => tokens[t] ?? whole);
}

function tildeExpand(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

function intOption(entry: SshConfigEntry | undefined, min: number, max: number): number | undefined {
  if (!entry) return undefined;
  const value = entry.args[0] ?? '';
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max))
    throw configError(entry.file, entry.line, entry.key, `expected an integer ${min}-${max}, got "${value}"`);
  return n;
}

function configError(file: string, line: number, key: string, message: string): ConfigError {
  return ConfigError.single({ file, line, column: 1 }, key, message);
}
