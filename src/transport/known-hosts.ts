// known_hosts: parse, look up a host's keys (plain, [host]:port, comma lists, wildcards, hashed |1|salt|hash),
// honour @revoked, recognise @cert-authority, and append newly accepted keys without corrupting the file.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { patternListMatch } from './host-pattern.js';

export interface KnownHostLine {
  marker: 'revoked' | 'cert-authority' | null;
  /** The host field as written: comma list of patterns, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  keyBase64: string;
  file: string;
  line: number;
}

export type HostKeyVerdict =
  | { status: 'ok' }
  | { status: 'unknown' }
  | { status: 'changed'; expected: KnownHostLine[] }
  | { status: 'revoked'; line: KnownHostLine }
  | { status: 'cert-authority'; lines: KnownHostLine[] };

/** The name known_hosts stores for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's fingerprint form: "SHA256:" + unpadded base64 of the SHA-256 of the key blob. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string, file: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    const first = fields[0];
    if (first === undefined || first === '' || first.startsWith('#')) return;
    let marker: KnownHostLine['marker'] = null;
    if (first.startsWith('@')) {
      if (first === '@revoked') marker = 'revoked';
      else if (first === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH skips the line
    }
    const rest = marker === null ? fields : fields.slice(1);
    const [hosts, keyType, keyBase64] = [rest[0], rest[1], rest[2]];
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) return; // malformed: skip like ssh
    lines.push({ marker, hosts, keyType, keyBase64, file, line: index + 1 });
  });
  return lines;
}

export function readKnownHosts(files: readonly string[]): KnownHostLine[] {
  return files.flatMap((f) => (existsSync(f) ? parseKnownHosts(readFileSync(f, 'utf8'), f) : []));
}

/** Does a line's host field name `name` (already in `[host]:port` form when needed)? */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return patternListMatch(hosts.split(','), name);
}

/** Judge the key a server presented for `name` against the known_hosts lines. */
export function verifyHostKey(lines: readonly KnownHostLine[], name: string, keyBlob: Buffer): HostKeyVerdict {
  const presented = keyBlob.toString('base64');
  // A revoked key is refused whatever host its line names.
  const revoked = lines.find((l) => l.marker === 'revoked' && l.keyBase64 === presented);
  if (revoked) return { status: 'revoked', line: revoked };
  const forHost = lines.filter((l) => hostFieldMatches(l.hosts, name));
  const plain = forHost.filter((l) => l.marker === null);
  if (plain.some((l) => l.keyBase64 === presented)) return { status: 'ok' };
  // A host known under other keys (of any type) has changed: never accepted as new.
  if (plain.length > 0) return { status: 'changed', expected: plain };
  const authorities = forHost.filter((l) => l.marker === 'cert-authority');
  if (authorities.length > 0) return { status: 'cert-authority', lines: authorities };
  return { status: 'unknown' };
}

/** Key types known for `name`, so the client can ask the server for a key it can check (as ssh does). */
export function knownKeyTypes(lines: readonly KnownHostLine[], name: string): string[] {
  const types = lines.filter((l) => l.marker === null && hostFieldMatches(l.hosts, name)).map((l) => l.keyType);
  return [...new Set(types)];
}

/** Hash a host name the way `ssh-keygen -H` / HashKnownHosts does. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${mac}`;
}

/** True when most host entries in the file are hashed: new lines follow the file's style. */
export function isHashedStyle(lines: readonly KnownHostLine[]): boolean {
  const hashed = lines.filter((l) => l.hosts.startsWith('|1|')).length;
  return hashed > 0 && hashed * 2 >= lines.length;
}

/**
 * Appends accepted keys to one known_hosts file. Appends are serialized (a promise chain per writer), and
 * each re-reads the file first, so several hosts accepting keys at once neither interleave nor duplicate.
 * Share one writer per file between connections (the ConnectionPool does).
 */
export class KnownHostsWriter {
  #chain: Promise<unknown> = Promise.resolve();
  constructor(
    readonly file: string,
    private readonly hashByDefault = false,
  ) {}

  /** Record `keyBlob` for `name` unless the file now knows it; returns the verdict seen under the lock. */
  record(name: string, keyBlob: Buffer): Promise<HostKeyVerdict> {
    const next = this.#chain.then(() => this.#append(name, keyBlob));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #append(name: string, keyBlob: Buffer): Promise<HostKeyVerdict> {
    const text = existsSync(this.file) ? await readFile(this.file, 'utf8') : '';
    const lines = parseKnownHosts(text, this.file);
    const verdict = verifyHostKey(lines, name, keyBlob);
    if (verdict.status !== 'unknown') return verdict;
    const hashed = lines.length > 0 ? isHashedStyle(lines) : this.hashByDefault;
    const hostField = hashed ? hashHostName(name) : name;
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    // One O_APPEND write per line: even another process appending at once cannot split it.
    await appendFile(this.file, `${sep}${hostField} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`, {
      mode: 0o644,
    });
    return { status: 'ok' };
  }
}
