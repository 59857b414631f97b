// Reading an operator's input file (inventory, playbook, vars, secret, template): a regular file of bounded size.
// A FIFO or a device as input would block or never end; a file of gigabytes would exhaust memory.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** Inputs are text the operator wrote: 16 MiB is far above any real one. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Why an input file could not be read: an errno code (ENOENT) or a sentence. */
export class InputFileError extends Error {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`cannot read ${path}: ${reason}`);
    this.name = 'InputFileError';
    this.path = path;
    this.reason = reason;
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** The whole file; throws InputFileError for anything but a regular file of at most `limit` bytes. */
export function readInputFile(path: string, limit: number = MAX_INPUT_BYTES): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new InputFileError(path, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new InputFileError(path, `it is ${kindOf(stats)}, not a regular file`);
    if (stats.size > limit) throw new InputFileError(path, `${stats.size} bytes, over the ${limit}-byte limit`);
    // Read to EOF but never past the limit, in case the file grows while we read it.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, limit + 1 - length));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      length += n;
      if (length > limit) throw new InputFileError(path, `over the ${limit}-byte limit`);
    }
    return Buffer.concat(chunks, length);
  } finally {
    closeSync(fd);
  }
}

/** The file as UTF-8 text. */
export function readInputText(path: string, limit: number = MAX_INPUT_BYTES): string {
  return readInputFile(path, limit).toString('utf8');
}
