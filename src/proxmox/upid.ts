// Proxmox task ids: UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>: (note the trailing colon).

export interface Upid {
  raw: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number; // Unix seconds
  type: string; // qmconfig, qmstart, qmshutdown, hastart, ...
  id: string; // usually the VMID, may be empty
  user: string; // user@realm or a token id user@realm!token
}

// The user field may contain `!` (tokens) but never `:`; pstart can exceed 8 hex digits on long-running hosts.
const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export function parseUpid(text: string): Upid | null {
  const m = UPID_RE.exec(text);
  if (!m) return null;
  return {
    raw: text,
    node: m[1] ?? '',
    pid: parseInt(m[3] ?? '0', 16),
    pstart: parseInt(m[4] ?? '0', 16),
    starttime: parseInt(m[5] ?? '0', 16),
    type: m[6] ?? '',
    id: m[7] ?? '',
    user: m[8] ?? '',
  };
}

export function isUpid(value: unknown): value is string {
  return typeof value === 'string' && parseUpid(value) !== null;
}

/** The API path of a task's status (the node in the path must be the UPID's node). */
export function taskPath(upid: Upid, leaf: 'status' | 'log'): string {
  return `/nodes/${encodeURIComponent(upid.node)}/tasks/${encodeURIComponent(upid.raw)}/${leaf}`;
}

export function formatUpid(u: Omit<Upid, 'raw'>): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');
  return `UPID:${u.node}:${hex(u.pid)}:${hex(u.pstart)}:${hex(u.starttime)}:${u.type}:${u.id}:${u.user}:`;
}
