// A transport with no network: every command the engine sends is recorded, and answered by the first responder
// that matches it (or exit 0 with no output). Engine tests assert the exact commands, Kamal style.
import type { ExecResult } from '../../src/core/module.js';
import type { ExecPurpose, Transport, TransportExecOptions } from '../../src/core/transport.js';
import type { Host } from '../../src/inventory/types.js';

export interface RecordedCommand {
  host: string;
  purpose: ExecPurpose | 'unknown';
  command: string;
  stdin: string | null;
}

export type Responder = (command: string, host: string) => Partial<ExecResult> | undefined;

export interface RecordingConnector {
  connect: (host: Host) => Transport;
  readonly log: RecordedCommand[];
}

export function recordingConnector(responders: readonly Responder[] = []): RecordingConnector {
  const log: RecordedCommand[] = [];
  const connect = (host: Host): Transport => ({
    host: host.name,
    exec: (command: string, options?: TransportExecOptions): Promise<ExecResult> => {
      const stdin = options?.stdin === undefined ? null : Buffer.from(options.stdin).toString('utf8');
      log.push({ host: host.name, purpose: options?.purpose ?? 'unknown', command, stdin });
      const answer = responders.map((r) => r(command, host.name)).find((a) => a !== undefined) ?? {};
      return Promise.resolve({ code: 0, stdout: '', stderr: '', ...answer });
    },
    close: () => Promise.resolve(),
  });
  return { connect, log };
}
