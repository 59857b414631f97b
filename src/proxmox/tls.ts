// TLS to pveproxy: verified by default, either by pinning the node certificate's SHA-256
// fingerprint, by trusting a CA file (pve-root-ca.pem), or by the system store.
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';

export type TlsTrust =
  | { kind: 'fingerprint'; sha256: string } // normalized AA:BB:... (upper case)
  | { kind: 'ca'; ca: string | Buffer }
  | { kind: 'system' }
  | { kind: 'insecure' };

/** Upper-case, colon-separated form of a SHA-256 fingerprint; null when it is not 32 hex pairs. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.trim().replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  return hex.toUpperCase().match(/../g)?.join(':') ?? null;
}

/** A TLS failure that is not transient (wrong pin, untrusted or mismatched certificate). */
export class TlsTrustError extends Error {
  readonly code: string;
  readonly presented: string | undefined;
  constructor(message: string, code: string, presented?: string) {
    super(message);
    this.name = 'TlsTrustError';
    this.code = code;
    this.presented = presented;
  }
}

export interface TlsConnectOptions {
  host: string;
  port: number;
  trust: TlsTrust;
  timeoutMs: number;
}

/**
 * Open a TLS connection and verify it before anything is sent on it, so credentials never
 * reach a server that fails the pin. Resolves with the verified socket.
 */
export function connectVerified(opts: TlsConnectOptions): Promise<TLSSocket> {
  const pinned = opts.trust.kind === 'fingerprint' || opts.trust.kind === 'insecure';
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: opts.host,
      port: opts.port,
      // SNI must not be an IP address.
      ...(isIP(opts.host) === 0 ? { servername: opts.host } : {}),
      // With a pin the chain is checked by comparing the fingerprint below, not by a CA.
      rejectUnauthorized: !pinned,
      ...(opts.trust.kind === 'ca' ? { ca: opts.trust.ca } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connect timeout after ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, opts.timeoutMs);
    socket.once('error', (err: Error) => {
      clearTimeout(timer);
      reject(classifyTlsError(err));
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      if (opts.trust.kind === 'fingerprint') {
        const presented = socket.getPeerCertificate().fingerprint256;
        if (presented.toUpperCase() !== opts.trust.sha256.toUpperCase()) {
          socket.destroy();
          reject(
            new TlsTrustError(
              `certificate fingerprint mismatch: expected ${opts.trust.sha256}, server presented ${presented || 'no certificate'}`,
              'FINGERPRINT_MISMATCH',
              presented,
            ),
          );
          return;
        }
      }
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

// Certificate errors carry OpenSSL codes; they are permanent, unlike ECONNREFUSED and friends.
const CERT_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME|HOSTNAME|SIGNATURE|ERR_SSL|EPROTO/;

function classifyTlsError(err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (CERT_ERROR.test(code)) return new TlsTrustError(`TLS verification failed: ${err.message}`, code);
  return err;
}
