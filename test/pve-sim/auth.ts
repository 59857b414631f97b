// Simulated pveproxy authentication: API tokens, tickets (HMAC-signed) and CSRF tokens.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * 'all', or a set of privileges: `VM.Audit` holds on every path; `SDN.Use@/sdn/zones/localnetwork/vmbr0` only on
 * that ACL path and below it (an ACL with propagate, as pveum sets by default).
 */
export type Privileges = 'all' | Set<string>;

export interface Identity {
  id: string; // user@realm or user@realm!token
  kind: 'token' | 'ticket';
  privileges: Privileges;
}

export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: string };

export class SimAuth {
  readonly tokens = new Map<string, { secret: string; privileges: Privileges }>();
  readonly users = new Map<string, { password: string; privileges: Privileges }>();
  readonly #key = randomBytes(32);
  readonly #now: () => number;
  readonly ticketLifetimeMs: number;

  constructor(now: () => number, ticketLifetimeMs: number) {
    this.#now = now;
    this.ticketLifetimeMs = ticketLifetimeMs;
  }

  /** Authenticate a request (cookie wins over Authorization). */
  check(headers: Record<string, string | string[] | undefined>, write: boolean): AuthResult {
    const cookie = String(headers['cookie'] ?? '');
    const ticketCookie = /(?:^|;\s*)PVEAuthCookie=([^;]*)/.exec(cookie)?.[1];
    const authz = String(headers['authorization'] ?? '');
    if (ticketCookie !== undefined) return this.#checkTicket(decodeURIComponent(ticketCookie), write, headers);
    const tok = /^PVEAPIToken[= ](.+)$/.exec(authz)?.[1];
    if (tok !== undefined) {
      const text = decodeURIComponent(tok);
      const eq = text.indexOf('=');
      const id = eq < 0 ? text : text.slice(0, eq);
      const secret = eq < 0 ? '' : text.slice(eq + 1);
      const t = this.tokens.get(id);
      if (!t || !safeEqual(t.secret, secret)) return { ok: false, reason: 'Authentication failed!' };
      return { ok: true, identity: { id, kind: 'token', privileges: t.privileges } };
    }
    return { ok: false, reason: 'No ticket' };
  }

  #checkTicket(ticket: string, write: boolean, headers: Record<string, string | string[] | undefined>): AuthResult {
    const user = this.verifyTicket(ticket);
    const u = user === null ? undefined : this.users.get(user);
    if (user === null || !u) return { ok: false, reason: 'Authentication failed!' };
    if (write) {
      const csrf = String(headers['csrfpreventiontoken'] ?? '');
      if (!this.#verifyCsrf(csrf, user)) return { ok: false, reason: 'Permission denied - invalid csrf token' };
    }
    return { ok: true, identity: { id: user, kind: 'ticket', privileges: u.privileges } };
  }

  /** A new ticket and CSRF token for `user`. */
  issue(user: string): { ticket: string; csrf: string } {
    const time = Math.floor(this.#now() / 1000)
      .toString(16)
      .toUpperCase()
      .padStart(8, '0');
    const plain = `PVE:${user}:${time}`;
    return { ticket: `${plain}::${this.#sign(plain)}`, csrf: `${time}:${this.#sign(`${time}:${user}`)}` };
  }

  /** The user a valid, unexpired ticket belongs to, else null. */
  verifyTicket(ticket: string): string | null {
    const m = /^(PVE:([^:]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
    if (!m || !safeEqual(this.#sign(m[1] ?? ''), m[4] ?? '')) return null;
    if (this.#now() - parseInt(m[3] ?? '0', 16) * 1000 > this.ticketLifetimeMs) return null;
    return m[2] ?? null;
  }

  #verifyCsrf(token: string, user: string): boolean {
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
    return m !== null && safeEqual(this.#sign(`${m[1]}:${user}`), m[2] ?? '');
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64');
  }
}

export function hasPrivilege(p: Privileges, priv: string): boolean {
  return p === 'all' || p.has(priv);
}

/** `priv` on the ACL path `path`: granted everywhere, or on `path` or one of its parents. */
export function hasPrivilegeOn(p: Privileges, priv: string, path: string): boolean {
  if (p === 'all' || p.has(priv)) return true;
  for (let at = path; at !== ''; at = at.slice(0, at.lastIndexOf('/'))) if (p.has(`${priv}@${at}`)) return true;
  return false;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
