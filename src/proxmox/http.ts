// One HTTPS exchange with pveproxy over a verified TLS socket. Tells apart failures before
// the request was sent (safe to retry any method) from failures after (outcome unknown).
import { request } from 'node:http';
import { connectVerified, type TlsTrust } from './tls.js';

export interface HttpRequest {
  host: string;
  port: number;
  trust: TlsTrust;
  method: string;
  path: string; // absolute path with query string
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  reason: string;
  contentType: string;
  body: string;
}

/** A transport failure; `sent` is false when nothing reached the server. */
export class HttpTransportError extends Error {
  readonly sent: boolean;
  readonly code: string;
  constructor(message: string, sent: boolean, code: string, cause: unknown) {
    super(message, { cause });
    this.name = 'HttpTransportError';
    this.sent = sent;
    this.code = code;
  }
}

export async function httpExchange(req: HttpRequest): Promise<HttpResponse> {
  let socket;
  try {
    socket = await connectVerified({ host: req.host, port: req.port, trust: req.trust, timeoutMs: req.timeoutMs });
  } catch (err) {
    if (err instanceof Error && err.name === 'TlsTrustError') throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'ECONNECT';
    throw new HttpTransportError(
      `cannot connect to ${req.host}:${req.port}: ${(err as Error).message}`,
      false,
      code,
      err,
    );
  }
  const connected = socket;
  return new Promise<HttpResponse>((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers, Host: `${req.host}:${req.port}`, Connection: 'close' };
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    const r = request({
      method: req.method,
      path: req.path,
      headers,
      // No agent: with createConnection the request runs on our verified socket (agent: false would ignore it).
      createConnection: () => connected,
    });
    r.setTimeout(req.timeoutMs, () => {
      r.destroy(Object.assign(new Error(`no response within ${req.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    r.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      reject(new HttpTransportError(`${req.method} ${req.host}:${req.port}: ${err.message}`, true, code, err));
    });
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => {
        reject(new HttpTransportError(`reading response: ${err.message}`, true, 'EIO', err));
      });
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? '',
          contentType: res.headers['content-type'] ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    r.end(req.body);
  });
}
