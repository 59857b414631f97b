// ansible-vault 1.1 / 1.2 AES256: the format operators' existing vaults are in.
// Envelope: a header line, then hex (wrapped at 80) of "hex(salt)\nhex(hmac)\nhex(ciphertext)".
// Keys: PBKDF2-HMAC-SHA256(password, salt, 10000 iterations, 80 bytes) = AES key 32 | HMAC key 32 | CTR IV 16.
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const VAULT_PREFIX = '$ANSIBLE_VAULT;';

const ITERATIONS = 10000;
const BLOCK = 16;

/** Why a vault could not be opened; the caller adds where the value is. */
export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

export interface VaultHeader {
  version: '1.1' | '1.2';
  cipher: 'AES256';
  /** The vault-id label of a 1.2 vault. */
  label?: string;
}

export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith(VAULT_PREFIX);
}

export function parseVaultHeader(line: string): VaultHeader {
  const parts = line.trim().split(';');
  const [magic, version, cipher, label] = parts;
  if (magic !== '$ANSIBLE_VAULT' || (version !== '1.1' && version !== '1.2')) {
    throw new VaultError(
      `unsupported vault header "${line.trim().slice(0, 60)}" (expected $ANSIBLE_VAULT;1.1;AES256 or $ANSIBLE_VAULT;1.2;AES256;LABEL)`,
    );
  }
  if (cipher !== 'AES256') throw new VaultError(`unsupported vault cipher "${cipher ?? ''}" (only AES256)`);
  if (version === '1.2' && (label === undefined || label === ''))
    throw new VaultError('a 1.2 vault header needs a vault-id label');
  if (parts.length > (version === '1.2' ? 4 : 3))
    throw new VaultError(`unexpected fields in vault header "${line.trim().slice(0, 60)}"`);
  return version === '1.2' ? { version, cipher, label: label ?? '' } : { version, cipher };
}

function deriveKeys(password: string, salt: Buffer): { aesKey: Buffer; hmacKey: Buffer; iv: Buffer } {
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, ITERATIONS, 80, 'sha256');
  return { aesKey: derived.subarray(0, 32), hmacKey: derived.subarray(32, 64), iv: derived.subarray(64, 80) };
}

const HEX = /^[0-9a-fA-F]*$/;

function fromHex(text: string, what: string): Buffer {
  if (text.length % 2 !== 0 || !HEX.test(text)) throw new VaultError(`malformed vault: the ${what} is not hex`);
  return Buffer.from(text, 'hex');
}

/** Decrypts a vault text (header + body). Throws VaultError on a wrong password, tampering or a malformed vault. */
export function decryptVault(text: string, password: string): { plaintext: string; header: VaultHeader } {
  const lines = text.trim().split(/\r?\n/);
  const header = parseVaultHeader(lines[0] ?? '');
  const outer = fromHex(
    lines
      .slice(1)
      .map((l) => l.trim())
      .join(''),
    'body',
  ).toString('latin1');
  const fields = outer.split('\n');
  if (fields.length !== 3) throw new VaultError('malformed vault: expected salt, HMAC and ciphertext');
  const [saltHex = '', hmacHex = '', cipherHex = ''] = fields;
  const salt = fromHex(saltHex, 'salt');
  const expectedHmac = fromHex(hmacHex, 'HMAC');
  const ciphertext = fromHex(cipherHex, 'ciphertext');
  if (salt.length === 0 || ciphertext.length === 0 || ciphertext.length % BLOCK !== 0)
    throw new VaultError('malformed vault: bad salt or ciphertext length');
  const { aesKey, hmacKey, iv } = deriveKeys(password, salt);
  const actualHmac = createHmac('sha256', hmacKey).update(ciphertext).digest();
  // The HMAC check is what tells a wrong password from a right one; constant time so it leaks nothing.
  if (expectedHmac.length !== actualHmac.length || !timingSafeEqual(expectedHmac, actualHmac)) {
    throw new VaultError('the vault password is wrong, or the value was altered (HMAC mismatch)');
  }
  const decipher = createDecipheriv('aes-256-ctr', aesKey, iv);
  const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return { plaintext: unpad(padded).toString('utf8'), header };
}

/** Encrypts like `ansible-vault encrypt_string`: 1.1, or 1.2 when a vault-id label is given. */
export function encryptVault(
  plaintext: string,
  password: string,
  options: { label?: string; salt?: Buffer } = {},
): string {
  const salt = options.salt ?? randomBytes(32);
  const { aesKey, hmacKey, iv } = deriveKeys(password, salt);
  const cipher = createCipheriv('aes-256-ctr', aesKey, iv);
  const ciphertext = Buffer.concat([cipher.update(pad(Buffer.from(plaintext, 'utf8'))), cipher.final()]);
  const hmac = createHmac('sha256', hmacKey).update(ciphertext).digest();
  const outer = Buffer.from(
    `${salt.toString('hex')}\n${hmac.toString('hex')}\n${ciphertext.toString('hex')}`,
    'latin1',
  ).toString('hex');
  const header =
    options.label !== undefined ? `$ANSIBLE_VAULT;1.2;AES256;${options.label}` : '$ANSIBLE_VAULT;1.1;AES256';
  const body = outer.match(/.{1,80}/g) ?? [];
  return `${[header, ...body].join('\n')}\n`;
}

function pad(data: Buffer): Buffer {
  const n = BLOCK - (data.length % BLOCK);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

function unpad(data: Buffer): Buffer {
  const n = data[data.length - 1] ?? 0;
  if (n < 1 || n > BLOCK || n > data.length || !data.subarray(data.length - n).every((b) => b === n)) {
    throw new VaultError('malformed vault: bad padding');
  }
  return data.subarray(0, data.length - n);
}
