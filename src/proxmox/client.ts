// Proxmox VE API client: {data} envelope, token or ticket auth, verified TLS, typed errors,
// retries with backoff where they are safe.
import { readFile } from 'node:fs/promises';
import { redact, Secret } from '../core/secret.js';
import {
  DEFAULT_TICKET_RENEW_AFTER_MS,
  ticketHeaders,
  ticketNeed,
  tokenHeader,
  type PveAuth,
  type TicketSession,
} from './auth.js';
import { PveApiError, PvePermissionError, errorKindFor, type PveApiErrorInit } from './errors.js';
import { encodeForm, type FormValue } from './form.js';
import { HttpTransportError, httpExchange, type HttpResponse } from './http.js';
import { TlsTrustError, type TlsTrust } from './tls.js';

export type PveClientEvent =
  | { type: 'warning'; endpoint: string; message: string }
  | { type: 'retry'; endpoint: string; method: string; path: string; attempt: number; delayMs: number; reason: string };

export interface RetryPolicy {
  attempts: number; // total sends, including the first
  baseDelayMs: number;
  maxDelayMs: number;
}

export type TrustSource = TlsTrust | { kind: 'ca-file'; path: string };

export interface PveClientOptions {
  /** Inventory name of the endpoint, used in errors. */
  name: string;
  /** https://host:8006 */
  url: string;
  auth: PveAuth;
  trust: TrustSource;
  onEvent?: (event: PveClientEvent) => void;
  retry?: Partial<RetryPolicy>;
  /** Per request (connect + response). */
  timeoutMs?: number;
  ticketRenewAfterMs?: number;
  now?: () => number;
}

export type Query = Record<string, FormValue | undefined>;

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 4000 };

export class PveClient {
  readonly name: string;
  readonly #host: string;
  readonly #port: number;
  readonly #basePath: string;
  readonly #opts: PveClientOptions;
  readonly #retry: RetryPolicy;
  readonly #now: () => number;
  #trust: Promise<TlsTrust> | null = null;
  #tokenSecret: Promise<Secret> | null = null;
  #knownSecrets: Secret[] = [];
  #session: TicketSession | null = null;
  #login: Promise<TicketSession> | null = null;

  constructor(opts: PveClientOptions) {
    const url = new URL(opts.url);
    if (url.protocol !== 'https:') throw new Error(`Proxmox endpoint ${opts.name}: URL must be https, got ${opts.url}`);
    this.name = opts.name;
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = url.port === '' ? 8006 : Number(url.port);
    this.#basePath = `${url.pathname.replace(/\/+$/, '')}/api2/json`;
    this.#opts = opts;
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#now = opts.now ?? Date.now;
    if (opts.trust.kind === 'insecure') {
      opts.onEvent?.({
        type: 'warning',
        endpoint: opts.name,
        message: `TLS verification is disabled for Proxmox endpoint ${opts.name} (insecure: true); pin its fingerprint instead`,
      });
    }
  }

  get<T = unknown>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T = unknown>(path: string, body?: Record<string, FormValue | undefined>): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {} });
  }

  put<T = unknown>(path: string, body?: Record<string, FormValue | undefined>): Promise<T> {
    return this.request<T>('PUT', path, { body: body ?? {} });
  }

  /** Send a request and return the envelope's `data`. GETs and unsent requests are retried; writes with an unknown outcome are not. */
  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    params: { query?: Query; body?: Record<string, FormValue | undefined> },
  ): Promise<T> {
    const fullPath = this.#basePath + path + queryString(path, params.query);
    const bodyText = params.body !== undefined ? encodeForm(params.body) : undefined;
    const isWrite = method !== 'GET';
    for (let attempt = 1; ; attempt++) {
      const base = { method, path, endpoint: this.name, attempts: attempt };
      let res: HttpResponse;
      try {
        const headers = await this.#authHeaders(isWrite);
        if (bodyText !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
        res = await httpExchange({
          host: this.#host,
          port: this.#port,
          trust: await this.#trustResolved(),
          method,
          path: fullPath,
          headers,
          ...(bodyText !== undefined ? { body: bodyText } : {}),
          timeoutMs: this.#opts.timeoutMs ?? 30_000,
        });
      } catch (err) {
        if (err instanceof PveApiError) throw err;
        if (err instanceof TlsTrustError)
          throw new PveApiError({ ...base, kind: 'tls', status: 0, message: err.message, cause: err });
        if (!(err instanceof HttpTransportError)) throw err;
        if (err.sent && isWrite) {
          // The server may have acted on it: the caller must re-read, never resend blindly.
          throw new PveApiError({
            ...base,
            kind: 'unknown-outcome',
            status: 0,
            message: `${err.message} (the write may or may not have happened)`,
            cause: err,
          });
        }
        if (attempt < this.#retry.attempts) {
          await this.#backoff(method, path, attempt, err.code);
          continue;
        }
        throw new PveApiError({ ...base, kind: 'unreachable', status: 0, message: err.message, cause: err });
      }
      if (res.status === 200) return this.#envelope(res, base) as T;
      const error = this.#httpError(res, base);
      // 596: the proxied hop failed after pveproxy handed the request on; a write may have run. Never resent.
      if (res.status === 596 && isWrite) {
        const message = `${error.reason} (the write may or may not have happened)`;
        throw new PveApiError({ ...base, kind: 'unknown-outcome', status: 596, message });
      }
      // 595 (and 596 on a read): pveproxy could not reach the target node; a read is safe to repeat.
      if (error.kind === 'unreachable' && attempt < this.#retry.attempts) {
        await this.#backoff(method, path, attempt, `${res.status} ${error.reason}`);
        continue;
      }
      throw error;
    }
  }

  #envelope(res: HttpResponse, base: { method: string; path: string; endpoint: string; attempts: number }): unknown {
    try {
      const parsed = JSON.parse(res.body) as unknown;
      if (parsed !== null && typeof parsed === 'object' && 'data' in parsed) return parsed.data;
    } catch {
      // fall through
    }
    throw new PveApiError({
      ...base,
      kind: 'server',
      status: res.status,
      message: `unexpected response (${res.contentType || 'no content type'}): not a {data} envelope`,
    });
  }

  #httpError(
    res: HttpResponse,
    base: { method: string; path: string; endpoint: string; attempts: number },
  ): PveApiError {
    let message: string | undefined;
    let errors: Record<string, string> | undefined;
    if (res.body.trim().startsWith('{')) {
      try {
        const parsed = JSON.parse(res.body) as { message?: unknown; errors?: unknown };
        if (typeof parsed.message === 'string') message = parsed.message.trim();
        if (parsed.errors && typeof parsed.errors === 'object') {
          errors = {};
          for (const [k, v] of Object.entries(parsed.errors as Record<string, unknown>))
            errors[k] = this.#scrub(String(v));
        }
      } catch {
        // not JSON: the reason phrase is all there is
      }
    }
    // Older servers only have the reason phrase; newer ones also the JSON message.
    const reason = this.#scrub(res.reason.trim() || message || `HTTP ${res.status}`);
    const init: PveApiErrorInit = {
      ...base,
      kind: errorKindFor(res.status, reason),
      status: res.status,
      message: reason,
      ...(errors ? { errors } : {}),
    };
    return res.status === 403 ? new PvePermissionError(init) : new PveApiError(init);
  }

  async #authHeaders(write: boolean): Promise<Record<string, string>> {
    const auth = this.#opts.auth;
    if (auth.kind === 'token') {
      this.#tokenSecret ??= auth.secret().then((s) => {
        this.#knownSecrets.push(s);
        return s;
      });
      return tokenHeader(auth.tokenId, await this.#tokenSecret);
    }
    return ticketHeaders(await this.#ticket(), write);
  }

  async #ticket(): Promise<TicketSession> {
    const auth = this.#opts.auth;
    if (auth.kind !== 'ticket') throw new Error('not ticket auth');
    const need = ticketNeed(this.#session, this.#now(), this.#opts.ticketRenewAfterMs ?? DEFAULT_TICKET_RENEW_AFTER_MS);
    if (need === 'ok' && this.#session) return this.#session;
    // One login at a time; concurrent requests share it.
    this.#login ??= (async () => {
      try {
        const password = need === 'renew' && this.#session ? this.#session.ticket : await auth.password();
        const data = await this.#postTicket(auth.username, password);
        this.#session = data;
        return data;
      } finally {
        this.#login = null;
      }
    })();
    return this.#login;
  }

  async #postTicket(username: string, password: Secret): Promise<TicketSession> {
    const path = '/access/ticket';
    const base = { method: 'POST', path, endpoint: this.name, attempts: 1 };
    let res: HttpResponse;
    try {
      res = await httpExchange({
        host: this.#host,
        port: this.#port,
        trust: await this.#trustResolved(),
        method: 'POST',
        path: this.#basePath + path,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: encodeForm({ username, password: password.reveal() }),
        timeoutMs: this.#opts.timeoutMs ?? 30_000,
      });
    } catch (err) {
      if (err instanceof TlsTrustError)
        throw new PveApiError({ ...base, kind: 'tls', status: 0, message: err.message, cause: err });
      throw new PveApiError({ ...base, kind: 'unreachable', status: 0, message: (err as Error).message, cause: err });
    }
    if (res.status !== 200) throw this.#httpError(res, base);
    const data = (this.#envelope(res, base) ?? {}) as {
      ticket?: unknown;
      CSRFPreventionToken?: unknown;
      username?: unknown;
    };
    if (typeof data.ticket !== 'string' || typeof data.CSRFPreventionToken !== 'string') {
      throw new PveApiError({
        ...base,
        kind: 'server',
        status: 200,
        message: 'ticket response without ticket or CSRFPreventionToken',
      });
    }
    return {
      username: typeof data.username === 'string' ? data.username : username,
      ticket: new Secret(data.ticket),
      csrf: new Secret(data.CSRFPreventionToken),
      obtainedAt: this.#now(),
    };
  }

  #trustResolved(): Promise<TlsTrust> {
    const source = this.#opts.trust;
    this.#trust ??=
      source.kind === 'ca-file'
        ? readFile(source.path).then((ca): TlsTrust => ({ kind: 'ca', ca }))
        : Promise.resolve(source);
    return this.#trust;
  }

  async #backoff(method: string, path: string, attempt: number, reason: string): Promise<void> {
    const delayMs = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
    this.#opts.onEvent?.({ type: 'retry', endpoint: this.name, method, path, attempt, delayMs, reason });
    await new Promise((r) => setTimeout(r, delayMs));
  }

  /** Remove any credential that might be echoed back in server text. */
  #scrub(text: string): string {
    const secrets: Secret[] = [...this.#knownSecrets];
    if (this.#session) secrets.push(this.#session.ticket, this.#session.csrf);
    return redact(text, secrets);
  }
}

function queryString(path: string, query: Query | undefined): string {
  if (!query) return '';
  const qs = encodeForm(query);
  if (qs === '') return '';
  return (path.includes('?') ? '&' : '?') + qs;
}
