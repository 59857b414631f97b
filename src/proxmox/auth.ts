// Credentials for pveproxy: API tokens (one header, no CSRF) or tickets (cookie + CSRF token on writes).
import type { Secret } from '../core/secret.js';

export type PveAuth =
  | { kind: 'token'; tokenId: string; secret: () => Promise<Secret> }
  | { kind: 'ticket'; username: string; password: () => Promise<Secret> };

export interface TicketSession {
  username: string;
  ticket: Secret;
  csrf: Secret;
  obtainedAt: number; // ms since epoch, from the client's clock
}

/** Tickets live 2 h; renew well before that so a long run never uses an expired one. */
export const DEFAULT_TICKET_RENEW_AFTER_MS = 90 * 60 * 1000;
export const TICKET_LIFETIME_MS = 2 * 60 * 60 * 1000;

export function tokenHeader(tokenId: string, secret: Secret): Record<string, string> {
  return { Authorization: `PVEAPIToken=${tokenId}=${secret.reveal()}` };
}

export function ticketHeaders(session: TicketSession, write: boolean): Record<string, string> {
  const headers: Record<string, string> = { Cookie: `PVEAuthCookie=${encodeURIComponent(session.ticket.reveal())}` };
  if (write) headers['CSRFPreventionToken'] = session.csrf.reveal();
  return headers;
}

/** What to post to /access/ticket: the password, or the current ticket to renew it. */
export function ticketNeed(session: TicketSession | null, now: number, renewAfterMs: number): 'ok' | 'renew' | 'login' {
  if (!session) return 'login';
  const age = now - session.obtainedAt;
  if (age < renewAfterMs) return 'ok';
  return age < TICKET_LIFETIME_MS ? 'renew' : 'login';
}
