// ProxyCommand: run it with `sh -c` and use its stdin/stdout as the SSH connection's socket.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';

export interface ProxyProcess {
  stream: Duplex;
  /** The last of the command's stderr (e.g. "nc: connect ... failed"), for error messages. */
  stderr(): string;
  /** Resolves when the command has exited and its output is fully read. */
  exited: Promise<void>;
}

const STDERR_KEEP = 4096;

export function spawnProxyCommand(command: string): ProxyProcess {
  const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  const stream = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      if (child.stdin.writable) child.stdin.write(chunk, () => callback());
      else callback();
    },
    final(callback) {
      child.stdin.end();
      callback();
    },
    read() {
      child.stdout.resume();
    },
    destroy(err, callback) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      callback(err);
    },
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) child.stdout.pause();
  });
  child.stdout.on('end', () => stream.push(null));
  child.stdin.on('error', () => undefined); // EPIPE when the command exits first; 'close' below reports it
  child.on('error', (err) => stream.destroy(err)); // could not spawn sh
  // The command is gone: the socket is closed, whatever state the stream was in.
  const exited = new Promise<void>((resolve) =>
    child.on('close', () => {
      stream.destroy();
      resolve();
    }),
  );
  return { stream, stderr: () => stderr.trim(), exited };
}
