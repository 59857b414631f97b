// Pure parsers for HAProxy's runtime API answers (show info, show stat, show servers state).

/** `show info`: "Key: value" lines. */
export function parseShowInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export type StatRow = Record<string, string>;

/** `show stat`: CSV with a "# pxname,svname,..." header; empty fields stay "" (HAProxy never quotes). */
export function parseShowStat(text: string): StatRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (header === undefined) throw new Error(`show stat: no CSV header in answer: ${text.slice(0, 200)}`);
  const names = header.slice(2).split(',');
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((l) => {
      const cells = l.split(',');
      const row: StatRow = {};
      names.forEach((name, i) => {
        if (name !== '' && name !== '-') row[name] = cells[i] ?? '';
      });
      return row;
    });
}

export type AdminState = 'ready' | 'drain' | 'maint';

export interface ServerState {
  backend: string;
  server: string;
  address: string;
  port: number | null;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** srv_admin_state bit field. */
  adminBits: number;
  /** State forced through the API or config (what `set server ... state` changes). */
  forced: AdminState;
  /** Effective: maintenance or drain from any source (forced, inherited from a tracked server, DNS). */
  effective: AdminState;
  weight: number;
}

// srv_admin_state bits (HAProxy's SRV_ADMF_*): forced/inherited/config/resolver/hostname maintenance and drain.
const FMAINT = 0x01;
const ANY_MAINT = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
const FDRAIN = 0x08;
const ANY_DRAIN = 0x08 | 0x10;

export function adminFromBits(bits: number, forcedOnly: boolean): AdminState {
  const maint = forcedOnly ? FMAINT : ANY_MAINT;
  const drain = forcedOnly ? FDRAIN : ANY_DRAIN;
  return bits & maint ? 'maint' : bits & drain ? 'drain' : 'ready';
}

/** `show servers state [backend]`: a version line "1", a "# field ..." header, space-separated rows. */
export function parseServersState(text: string): ServerState[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (header === undefined) throw new Error(`show servers state: ${lines[0] ?? 'empty answer'}`);
  const names = header.slice(2).split(/\s+/);
  return lines
    .filter((l) => !l.startsWith('#') && /\s/.test(l))
    .map((l) => {
      const cells = l.split(/\s+/);
      const get = (name: string): string => cells[names.indexOf(name)] ?? '';
      const bits = Number(get('srv_admin_state'));
      const port = Number(get('srv_port'));
      return {
        backend: get('be_name'),
        server: get('srv_name'),
        address: get('srv_addr'),
        port: Number.isFinite(port) && get('srv_port') !== '' ? port : null,
        opState: Number(get('srv_op_state')),
        adminBits: bits,
        forced: adminFromBits(bits, true),
        effective: adminFromBits(bits, false),
        weight: Number(get('srv_uweight')),
      };
    });
}

/** Current sessions: CurrConns of the process, or the scur of one frontend. */
export function currentSessions(
  info: Record<string, string>,
  stat: StatRow[] | null,
  frontend: string | undefined,
): number | null {
  if (frontend === undefined) {
    const v = info['CurrConns'];
    return v === undefined ? null : Number(v);
  }
  const row = stat?.find((r) => r['pxname'] === frontend && r['svname'] === 'FRONTEND');
  return row === undefined ? null : Number(row['scur'] ?? '0');
}
