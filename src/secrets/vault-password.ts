// The vault password of a run: from --vault-password-file, or typed at a prompt (--ask-vault-pass).
import { InputFileError, readInputText } from '../config/read-input.js';
import { UsageError } from '../core/errors.js';

export interface VaultPasswordOptions {
  vaultPasswordFile?: string | undefined;
  askVaultPass?: boolean | undefined;
}

export async function readVaultPassword(
  options: VaultPasswordOptions,
  input: NodeJS.ReadStream = process.stdin,
  prompt: NodeJS.WriteStream = process.stderr,
): Promise<string | null> {
  if (options.vaultPasswordFile !== undefined && options.askVaultPass)
    throw new UsageError('give either --vault-password-file or --ask-vault-pass, not both');
  if (options.vaultPasswordFile !== undefined) return passwordFromFile(options.vaultPasswordFile);
  if (!options.askVaultPass) return null;
  if (!input.isTTY || typeof input.setRawMode !== 'function') {
    throw new UsageError(
      '--ask-vault-pass needs a terminal to prompt on (stdin is not a TTY): use --vault-password-file PATH',
    );
  }
  return askHidden(input, prompt, 'Vault password: ');
}

function passwordFromFile(file: string): string {
  let text: string;
  try {
    text = readInputText(file);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    throw new UsageError(`--vault-password-file ${file}: cannot read it (${error.reason})`);
  }
  // As ansible-vault does: surrounding whitespace (the trailing newline) is not part of the password.
  const password = text.trim();
  if (password === '') throw new UsageError(`--vault-password-file ${file}: the file is empty`);
  return password;
}

/** Reads one line with echo off; Ctrl-C or Ctrl-D abort. */
function askHidden(input: NodeJS.ReadStream, out: NodeJS.WriteStream, question: string): Promise<string> {
  out.write(question);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error: Error | null) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      out.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish(null);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish(new UsageError('no vault password given'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}
