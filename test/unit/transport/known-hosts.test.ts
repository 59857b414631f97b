import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fingerprint,
  hashHostName,
  hostFieldMatches,
  isHashedStyle,
  keyTypeOf,
  knownHostName,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from '../../../src/transport/known-hosts.js';
import { hostKeyAlgorithms } from '../../../src/transport/ssh-connect.js';

const dir = mkdtempSync(join(tmpdir(), 'ober-khu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh ed25519 public key: "type base64" and its blob. */
function newKey(): { line: string; blob: Buffer } {
  const pub = utils.generateKeyPairSync('ed25519').public; // "ssh-ed25519 AAAA…"
  const [type, b64] = pub.split(' ');
  return { line: `${type} ${b64}`, blob: Buffer.from(b64 ?? '', 'base64') };
}

describe('fingerprint', () => {
  it('matches ssh-keygen -l -E sha256', () => {
    const path = join(dir, 'k');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
    const blob = Buffer.from(readFileSync(`${path}.pub`, 'utf8').split(' ')[1] ?? '', 'base64');
    const want = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(
      ' ',
    )[1];
    expect(fingerprint(blob)).toBe(want);
    expect(fingerprint(blob)).not.toMatch(/=$/);
    expect(keyTypeOf(blob)).toBe('ssh-ed25519');
  });
});

describe('host field matching', () => {
  it.each([
    ['lb01', 'lb01', true],
    ['lb01,10.0.0.11', '10.0.0.11', true],
    ['lb*,!lb03', 'lb03', false],
    ['[lb01]:2222', '[lb01]:2222', true],
    ['[lb01]:2222', 'lb01', false],
    ['lb01', '[lb01]:2222', false],
    ['[10.0.0.*]:22*', '[10.0.0.5]:2222', true],
  ])('%s names %s: %s', (field, name, want) => {
    expect(hostFieldMatches(field, name)).toBe(want);
  });

  it('checks hashed names with HMAC-SHA1, compatible with ssh-keygen -H', () => {
    const k = newKey();
    const path = join(dir, 'to-hash');
    writeFileSync(path, `[lb01]:2222 ${k.line}\nlb02 ${k.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', path], { stdio: 'ignore' });
    const lines = parseKnownHosts(readFileSync(path, 'utf8'), path);
    expect(lines.every((l) => l.hosts.startsWith('|1|'))).toBe(true);
    expect(hostFieldMatches(lines[0]?.hosts ?? '', '[lb01]:2222')).toBe(true);
    expect(hostFieldMatches(lines[0]?.hosts ?? '', 'lb01')).toBe(false);
    expect(hostFieldMatches(lines[1]?.hosts ?? '', 'lb02')).toBe(true);
    expect(hostFieldMatches(hashHostName('x'), 'x')).toBe(true);
    expect(isHashedStyle(lines)).toBe(true);
  });

  it('uses [host]:port only off port 22', () => {
    expect(knownHostName('lb01', 22)).toBe('lb01');
    expect(knownHostName('lb01', 2222)).toBe('[lb01]:2222');
  });
});

describe('verifyHostKey', () => {
  const a = newKey();
  const b = newKey();
  const text = [
    '# fleet',
    '',
    `lb01,10.0.0.11 ${a.line} comment here`,
    `lb02 ${b.line}`,
    `@revoked * ${b.line}`,
    `@cert-authority *.example ${a.line}`,
    `@unknown-marker lb09 ${a.line}`,
    'garbage-line',
  ].join('\n');
  const lines = parseKnownHosts(text, '/kh');

  it.each([
    ['lb01', a, 'ok'],
    ['10.0.0.11', a, 'ok'],
    ['lb01', b, 'revoked'], // revoked wins, whatever the host
    ['lb03', a, 'unknown'],
    ['lb09', a, 'unknown'], // unknown markers are skipped
    ['pve.example', a, 'cert-authority'],
  ])('%s presenting key %# -> %s', (name, key, status) => {
    expect(verifyHostKey(lines, name, key.blob).status).toBe(status);
  });

  it('reports a changed key with the expected lines', () => {
    const c = newKey();
    const v = verifyHostKey(lines, 'lb01', c.blob);
    expect(v.status).toBe('changed');
    if (v.status === 'changed') expect(v.expected.map((l) => l.line)).toEqual([3]);
  });

  it('lists known key types so the client asks for those first', () => {
    expect(knownKeyTypes(lines, 'lb01')).toEqual(['ssh-ed25519']);
    expect(hostKeyAlgorithms(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithms([])[0]).toBe('ssh-ed25519');
  });
});
