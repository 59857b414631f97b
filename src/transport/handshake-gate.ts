// Bounds the SSH handshakes in flight, per sshd and in total. An sshd drops unauthenticated connections at random
// past MaxStartups (default 10:30:100): a bastion every host jumps through, or a few sshd's serving many inventory
// aliases, would refuse some of a wide fan-out. The control node does every key exchange, so the total is bounded
// too. A handshake's timeout starts when it gets its slot, so waiting in line never times a host out.
import pLimit, { type LimitFunction } from 'p-limit';

/** Below sshd's default MaxStartups start (10), leaving room for other clients. */
export const HANDSHAKES_PER_SERVER = 8;
export const HANDSHAKES_TOTAL = 64;

export class HandshakeGate {
  readonly #perServer: number;
  readonly #total: LimitFunction;
  readonly #servers = new Map<string, LimitFunction>();

  constructor(perServer = HANDSHAKES_PER_SERVER, total = HANDSHAKES_TOTAL) {
    this.#perServer = Math.max(1, perServer);
    this.#total = pLimit(Math.max(1, total));
  }

  /** Runs `handshake` once `server` ("host:port" of the sshd) and the total both have a free slot. */
  run<T>(server: string, handshake: () => Promise<T>): Promise<T> {
    let limit = this.#servers.get(server);
    if (!limit) this.#servers.set(server, (limit = pLimit(this.#perServer)));
    // Server slot first, then a total one: a slot in the total is only ever held by a running handshake.
    return limit(() => this.#total(handshake));
  }
}
