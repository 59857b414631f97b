// Open one authenticated ssh2 connection to an endpoint: socket (direct, ProxyCommand or through a jump
// host), strict host key check against known_hosts, agent + key auth, connect timeout and keepalive.
import type { Duplex } from 'node:stream';
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import { ConnectError, HostKeyError } from '../core/errors.js';
import { planAuth, type AuthPlan } from './auth.js';
import type { Endpoint } from './endpoint.js';
import type { HandshakeGate } from './handshake-gate.js';
import {
  fingerprint,
  knownHostName,
  knownKeyTypes,
  readKnownHosts,
  verifyHostKey,
  type KnownHostsWriter,
} from './known-hosts.js';
import { spawnProxyCommand, type ProxyProcess } from './proxy-command.js';

// ssh2 is CommonJS: Node's ESM loader only offers its default export.
const { Client: SshClient } = ssh2;

/** Hands out one known_hosts writer per file, shared by every connection of a pool. */
export type WriterFor = (file: string, hashByDefault: boolean) => KnownHostsWriter;

export interface Connection {
  client: Client;
  /** End this connection and every jump connection under it. */
  close(): void;
}

// Host key algorithms ssh2 can verify, in OpenSSH's order of preference (ssh-rsa/SHA-1 last).
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;
type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number];

/** Ask first for key types known_hosts has for this host, as ssh does, so an rsa-only entry still verifies. */
export function hostKeyAlgorithms(knownTypes: readonly string[]): HostKeyAlgorithm[] {
  const known = (a: HostKeyAlgorithm): boolean =>
    knownTypes.includes(a) || (a.startsWith('rsa-sha2-') && knownTypes.includes('ssh-rsa'));
  return [...HOST_KEY_ALGORITHMS.filter(known), ...HOST_KEY_ALGORITHMS.filter((a) => !known(a))];
}

export function describeEndpoint(ep: Endpoint): string {
  return `${ep.user}@${ep.hostName}:${ep.port}`;
}

/**
 * Connect and authenticate; rejects with ConnectError (HostKeyError for key problems) naming `host`. The socket and
 * the handshake run under `gate` (a jump host's connection first, under its own slot, never nested in this one).
 */
export async function openConnection(
  ep: Endpoint,
  host: string,
  writerFor: WriterFor,
  gate: HandshakeGate,
): Promise<Connection> {
  const where =
    ep.label === host ? `${host} (${describeEndpoint(ep)})` : `${host}: ${ep.label} (${describeEndpoint(ep)})`;
  const auth = planAuth({
    user: ep.user,
    identityFiles: ep.identityFiles,
    homeDir: ep.homeDir,
    ...(ep.agentSocket !== undefined ? { agentSocket: ep.agentSocket } : {}),
    ...(ep.passphrase !== undefined ? { passphrase: ep.passphrase } : {}),
  });
  if (auth.methods.length === 0) {
    throw new ConnectError(
      host,
      `${where}: no SSH credentials to offer (no ssh-agent, no usable key)${skippedText(auth.skipped)}`,
    );
  }

  const jump = ep.jump ? await openConnection(ep.jump, host, writerFor, gate) : null;
  try {
    return await gate.run(`${ep.hostName}:${ep.port}`, () => handshake(ep, host, where, auth, writerFor, jump));
  } catch (err) {
    jump?.close();
    throw err;
  }
}

/** The socket (direct, ProxyCommand, or a channel through `jump`) and the SSH handshake on it. */
async function handshake(
  ep: Endpoint,
  host: string,
  where: string,
  auth: AuthPlan,
  writerFor: WriterFor,
  jump: Connection | null,
): Promise<Connection> {
  let proxy: ProxyProcess | null = null;
  let sock: Duplex | undefined;
  if (ep.jump && jump) {
    try {
      sock = await forwardOut(jump.client, ep.hostName, ep.port, ep.connectTimeoutMs);
    } catch (err) {
      throw new ConnectError(
        host,
        `${where}: jump host ${ep.jump.hostName} cannot reach ${ep.hostName}:${ep.port}: ${messageOf(err)}`,
        { cause: err },
      );
    }
  } else if (ep.proxyCommand !== undefined) {
    proxy = spawnProxyCommand(ep.proxyCommand);
    sock = proxy.stream;
  }

  const keyName = ep.hostKeyAlias ?? knownHostName(ep.hostName, ep.port);
  const lines = readKnownHosts(ep.knownHostsFiles);
  // Set from the host verifier's callback: `as` keeps TypeScript from narrowing it to null at the check below.
  let keyError = null as ConnectError | null;
  const client = new SshClient();
  const config: ConnectConfig = {
    host: ep.hostName,
    port: ep.port,
    username: ep.user,
    ...(sock ? { sock } : {}),
    readyTimeout: ep.connectTimeoutMs,
    keepaliveInterval: ep.keepaliveIntervalMs,
    keepaliveCountMax: ep.keepaliveCountMax,
    authHandler: auth.methods,
    algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(lines, keyName)) },
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
      checkHostKey(ep, host, where, keyName, lines, key, writerFor).then(
        () => verify(true),
        (err: unknown) => {
          keyError = err instanceof ConnectError ? err : new ConnectError(host, `${where}: ${String(err)}`);
          verify(false);
        },
      );
    },
  };

  const cleanup = (): void => {
    client.end();
    proxy?.stream.destroy();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      // `on`, not `once`: ssh2 may emit more errors while tearing down (an unhandled one would crash).
      client.on('error', reject);
      client.once('close', () => reject(new Error('connection closed during the handshake')));
      client.connect(config);
    });
  } catch (err) {
    cleanup();
    if (keyError) throw keyError;
    await proxy?.exited; // its stderr often says why (e.g. "nc: connect to … failed")
    throw new ConnectError(host, `${where}: ${connectFailure(err, ep, auth.offered, auth.skipped, proxy)}`, {
      cause: err,
    });
  }
  if (!sock) client.setNoDelay(true); // many small request/response round trips: no Nagle delay
  client.once('close', () => {
    proxy?.stream.destroy();
    jump?.close();
  });
  return {
    client,
    close: () => {
      cleanup();
      jump?.close();
    },
  };
}

async function checkHostKey(
  ep: Endpoint,
  host: string,
  where: string,
  keyName: string,
  lines: Parameters<typeof verifyHostKey>[0],
  key: Buffer,
  writerFor: WriterFor,
): Promise<void> {
  const presented = fingerprint(key);
  let verdict = verifyHostKey(lines, keyName, key);
  if (verdict.status === 'unknown' && ep.acceptNew) {
    const file = ep.knownHostsFiles[0];
    if (file !== undefined) verdict = await writerFor(file, ep.hashKnownHosts).record(keyName, key);
  }
  switch (verdict.status) {
    case 'ok':
      return;
    case 'unknown':
      throw new HostKeyError(
        host,
        `${where}: host key ${presented} is not in known_hosts (${ep.knownHostsFiles.join(', ')}); ` +
          `verify it and run with --accept-new-host-keys, or add it with ssh-keyscan -p ${ep.port} ${ep.hostName}`,
        [],
        presented,
      );
    case 'changed': {
      const expected = verdict.expected.map((l) => fingerprint(Buffer.from(l.keyBase64, 'base64')));
      const at = verdict.expected.map((l) => `${l.file}:${l.line}`).join(', ');
      throw new HostKeyError(
        host,
        `${where}: HOST KEY CHANGED: known_hosts has ${expected.join(', ')} (${at}) but the server presented ${presented}; ` +
          'refusing to connect (possible man-in-the-middle). If the host was reinstalled, remove the old entry.',
        expected,
        presented,
      );
    }
    case 'revoked':
      throw new HostKeyError(
        host,
        `${where}: host key ${presented} is revoked (${verdict.line.file}:${verdict.line.line})`,
        [],
        presented,
      );
    case 'cert-authority':
      throw new HostKeyError(
        host,
        `${where}: known_hosts trusts a @cert-authority for this host, but host certificates are not supported; ` +
          `add the host key (${presented}) itself, e.g. with ssh-keyscan -p ${ep.port} ${ep.hostName}`,
        [],
        presented,
      );
  }
}

function forwardOut(client: Client, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer after ${timeoutMs} ms`)), timeoutMs);
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(stream);
    });
  });
}

function connectFailure(
  err: unknown,
  ep: Endpoint,
  offered: string[],
  skipped: string[],
  proxy: ProxyProcess | null,
): string {
  const level = (err as { level?: string }).level;
  const proxyErr = proxy?.stderr() ? ` (ProxyCommand said: ${proxy.stderr()})` : '';
  if (level === 'client-authentication') {
    return `authentication failed for user ${ep.user}; tried ${offered.join(', ')}${skippedText(skipped)}`;
  }
  if (level === 'client-timeout') return `no SSH handshake within ${ep.connectTimeoutMs} ms${proxyErr}`;
  return `${messageOf(err)}${proxyErr}`;
}

function skippedText(skipped: string[]): string {
  return skipped.length > 0 ? `; could not use: ${skipped.join('; ')}` : '';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
