// One Transport per inventory host, created on first use and shared by every task on that host.
import type { Transport } from '../core/transport.js';
import type { ConnectionSpec, SshEnvironment } from './endpoint.js';
import { HandshakeGate } from './handshake-gate.js';
import { KnownHostsWriter } from './known-hosts.js';
import { LocalTransport } from './local.js';
import type { WriterFor } from './ssh-connect.js';
import { SshTransport } from './ssh-transport.js';

export interface PoolOptions {
  environment?: SshEnvironment;
  /** Bound on handshakes in flight; default HANDSHAKES_PER_SERVER per sshd, HANDSHAKES_TOTAL in all. */
  handshakes?: HandshakeGate;
}

export class ConnectionPool {
  readonly #transports = new Map<string, Transport>();
  readonly #writers = new Map<string, KnownHostsWriter>();
  readonly #environment: SshEnvironment | undefined;
  /** One bound on handshakes in flight for the whole run (per sshd and in total). */
  readonly #handshakes: HandshakeGate;

  constructor(options: PoolOptions = {}) {
    this.#environment = options.environment;
    this.#handshakes = options.handshakes ?? new HandshakeGate();
  }

  /** The host's transport (SSH, or local for `connection: local`); nothing connects until its first exec. */
  get(spec: ConnectionSpec & { connection?: 'ssh' | 'local' }): Transport {
    const existing = this.#transports.get(spec.host);
    if (existing) return existing;
    const transport =
      spec.connection === 'local'
        ? new LocalTransport(spec.host)
        : new SshTransport(spec, {
            writerFor: this.#writerFor,
            handshakes: this.#handshakes,
            ...(this.#environment ? { environment: this.#environment } : {}),
          });
    this.#transports.set(spec.host, transport);
    return transport;
  }

  /** Close the host's transport, if any, and make a new one (after a reboot or a VM cold restart). */
  renew(spec: ConnectionSpec & { connection?: 'ssh' | 'local' }): Transport {
    const old = this.#transports.get(spec.host);
    this.#transports.delete(spec.host);
    if (old) void old.close().catch(() => undefined);
    return this.get(spec);
  }

  /** Close every connection (errors while closing are ignored: the run is over). */
  async closeAll(): Promise<void> {
    const all = [...this.#transports.values()];
    this.#transports.clear();
    await Promise.allSettled(all.map((t) => t.close()));
  }

  // One writer per known_hosts file, so concurrent first connections append one at a time.
  readonly #writerFor: WriterFor = (file, hashByDefault) => {
    let writer = this.#writers.get(file);
    if (!writer) this.#writers.set(file, (writer = new KnownHostsWriter(file, hashByDefault)));
    return writer;
  };
}
