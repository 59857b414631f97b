import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decryptVault, encryptVault, parseVaultHeader, VaultError } from '../../../src/secrets/vault.js';

// Made with ansible-core 2.14.18: `printf 'hunter2-vault-value' | ansible-vault encrypt_string --vault-password-file vp`
// (vp holds "correct horse"), and the same with `--vault-id prod@vp` for 1.2.
const PASSWORD = 'correct horse';
const V11 = `$ANSIBLE_VAULT;1.1;AES256
39306536653966313039653331313332313966313638306433623364376635613161343264363438
3863313634656331393236363135396165346364326264300a613361303838393762313234383137
35393239336332383462623033316334653334663234626530663563376663366435333336623962
3764356335313864340a616230623532326234646437373731326539356462343161386631633132
37643663363262336666346464363562636638353964613561343363373661636265`;
const V12 = `$ANSIBLE_VAULT;1.2;AES256;prod
34636536386636643561306638663966333634353530316537383363333639623362633162343362
3264643433376166336137316539313363366231653836360a303737633630613364323463666338
37653461313439366132313431343565303039613235613461303732626135626663326665323431
3731373564626534300a336434313764303038646566353263386463383531326137643931383163
38346631643630613137326661396366663561323962333039393339653934303464`;

const hasAnsibleVault = (() => {
  try {
    execFileSync('ansible-vault', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('ansible-vault decryption', () => {
  it('decrypts a 1.1 vault made by ansible-vault', () => {
    expect(decryptVault(V11, PASSWORD)).toEqual({
      plaintext: 'hunter2-vault-value',
      header: { version: '1.1', cipher: 'AES256' },
    });
  });

  it('decrypts a 1.2 vault with its vault-id label', () => {
    expect(decryptVault(V12, PASSWORD)).toEqual({
      plaintext: 'hunter2-vault-value',
      header: { version: '1.2', cipher: 'AES256', label: 'prod' },
    });
  });

  it('accepts the indentation a `!vault |` block leaves on every line', () => {
    const indented = V11.split('\n')
      .map((l) => `          ${l}`)
      .join('\n');
    expect(decryptVault(indented, PASSWORD).plaintext).toBe('hunter2-vault-value');
  });

  it('refuses a wrong password with an HMAC mismatch', () => {
    expect(() => decryptVault(V11, 'wrong horse')).toThrow(
      new VaultError('the vault password is wrong, or the value was altered (HMAC mismatch)'),
    );
  });

  it('refuses a vault whose ciphertext was altered', () => {
    // Flip one hex digit of the last line: the (inner hex of the) ciphertext changes, the HMAC no longer matches.
    const lines = V11.split('\n');
    const last = lines[lines.length - 1] ?? '';
    const flipped = `${last.slice(0, -1)}${last.endsWith('5') ? '4' : '5'}`;
    const tampered = [...lines.slice(0, -1), flipped].join('\n');
    expect(() => decryptVault(tampered, PASSWORD)).toThrow('HMAC mismatch');
  });

  it('refuses a vault whose HMAC was altered', () => {
    const outer = Buffer.from(V11.split('\n').slice(1).join(''), 'hex').toString('latin1').split('\n');
    const hmac = outer[1] ?? '';
    outer[1] = `${hmac[0] === 'a' ? 'b' : 'a'}${hmac.slice(1)}`;
    const body = Buffer.from(outer.join('\n'), 'latin1').toString('hex');
    expect(() => decryptVault(`$ANSIBLE_VAULT;1.1;AES256\n${body}`, PASSWORD)).toThrow('HMAC mismatch');
  });

  it('names what is wrong with a malformed vault', () => {
    expect(() => decryptVault('$ANSIBLE_VAULT;1.1;AES256\nzz', PASSWORD)).toThrow(
      'malformed vault: the body is not hex',
    );
    expect(() => decryptVault('$ANSIBLE_VAULT;1.0;AES256\n00', PASSWORD)).toThrow('unsupported vault header');
    expect(() => parseVaultHeader('$ANSIBLE_VAULT;1.1;AES128')).toThrow(
      'unsupported vault cipher "AES128" (only AES256)',
    );
    expect(() => parseVaultHeader('$ANSIBLE_VAULT;1.2;AES256')).toThrow('a 1.2 vault header needs a vault-id label');
  });
});

describe('ansible-vault encryption', () => {
  it('round-trips any text, block-sized or not, in 1.1 and 1.2', () => {
    for (const text of ['', 'a', '0123456789abcdef', 'é\nmulti\nline\n', 'x'.repeat(1000)]) {
      expect(decryptVault(encryptVault(text, 'pw'), 'pw').plaintext).toBe(text);
      expect(decryptVault(encryptVault(text, 'pw', { label: 'dev' }), 'pw').header.label).toBe('dev');
    }
  });

  it('is byte-identical to ansible-vault for the same salt', () => {
    // The salt is the first field of the outer hex; re-encrypting with it must give the same vault.
    const salt = Buffer.from(
      Buffer.from(V11.split('\n').slice(1).join(''), 'hex').toString('latin1').split('\n')[0] ?? '',
      'hex',
    );
    expect(encryptVault('hunter2-vault-value', PASSWORD, { salt })).toBe(`${V11}\n`);
  });

  it.runIf(hasAnsibleVault)('is decrypted by the real ansible-vault', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ober-vault-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'pass'), `${PASSWORD}\n`);
    writeFileSync(join(dir, 'v.yml'), encryptVault('from ober-push: 100% \\ "quoted"\n', PASSWORD, { label: 'prod' }));
    const out = execFileSync(
      'ansible-vault',
      ['view', '--vault-password-file', join(dir, 'pass'), join(dir, 'v.yml')],
      { encoding: 'utf8' },
    );
    expect(out).toBe('from ober-push: 100% \\ "quoted"\n');
  });
});
