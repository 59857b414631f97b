// The Proxmox VE API simulator: an HTTPS server on 127.0.0.1 with fault injection and a request log.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimAgents, type SimAgentSpec } from './agent.js';
import { SimAuth, type Identity, type Privileges } from './auth.js';
import { generateCert, type SimCert } from './cert.js';
import { handle } from './handlers.js';
import { SimHttpError } from './http-error.js';
import { SimPools } from './pools.js';
import type { ApiRequest, SimDelays, SimMachines, SimState } from './state.js';
import { SimTasks } from './tasks.js';
import { SimVm, type SimEvent } from './vm.js';

export interface SimRequest {
  method: string;
  path: string; // below /api2/json, without the query string
  params: Record<string, string>; // query + body
  identity: string | null;
  status: number;
}

export interface SimVmSpec {
  vmid: number;
  node: string;
  status?: 'running' | 'stopped';
  config: Record<string, string | number>;
  ha?: boolean;
  /** The config's `tags` (joined with ';', as Proxmox writes them). */
  tags?: string[];
  /** The resource pool the VM is in. */
  pool?: string;
  /** A template (`template: 1`, stopped): never a host. */
  template?: boolean;
  /** The QEMU guest agent: the config's `agent` key and what the guest reports. Absent: no agent configured. */
  agent?: SimAgentSpec;
}

export interface PveSimOptions {
  nodes?: string[]; // default pve1, pve2; the first one serves the API
  /** CPUs of every node (default 16). */
  nodeCpus?: number;
  /** The delay before every 401 (real PVE: 3 s). */
  authFailDelayMs?: number;
  delays?: Partial<SimDelays>;
  taskVisibleAfterMs?: number;
  ticketLifetimeMs?: number;
  now?: () => number;
  onPower?: (vmid: number, action: 'start' | 'stop') => void;
  /** Real machines behind the VMs (the lab's hosts): power actions then act on them. */
  machines?: SimMachines;
  cert?: SimCert;
}

interface FailRule {
  remaining: number;
  status: number;
  message: string;
  match: ((r: { method: string; path: string }) => boolean) | undefined;
}

const DEFAULT_DELAYS: SimDelays = {
  config: 20,
  start: 30,
  stop: 20,
  shutdown: 30,
  haTask: 10,
  haAction: 150,
  rebootRestart: 50,
  shutdownTimeout: 100,
};

export class PveSim implements SimState {
  readonly entryNode: string;
  readonly nodes = new Map<string, { online: boolean; cpus: number }>();
  readonly vms = new Map<number, SimVm>();
  readonly tasks = new SimTasks();
  readonly auth: SimAuth;
  readonly events: SimEvent[] = [];
  readonly delays: SimDelays;
  readonly ignoresAcpi = new Set<number>();
  readonly requests: SimRequest[] = [];
  readonly cert: SimCert;
  /** Guest agents of the VMs (agent.ts) and resource pools (pools.ts). */
  readonly agents = new SimAgents();
  readonly pools = new SimPools();
  taskVisibleAfterMs: number;
  onPower: ((vmid: number, action: 'start' | 'stop') => void) | undefined;
  readonly machines: SimMachines | undefined;
  authFailDelayMs: number;
  latencyMs = 0;
  readonly #fail: FailRule[] = [];
  readonly #drop: Array<{ remaining: number; match: ((r: { method: string; path: string }) => boolean) | undefined }> =
    [];
  readonly #server: Server;
  #port = 0;

  constructor(opts: PveSimOptions = {}) {
    const nodes = opts.nodes ?? ['pve1', 'pve2'];
    this.entryNode = nodes[0] ?? 'pve1';
    for (const n of nodes) this.nodes.set(n, { online: true, cpus: opts.nodeCpus ?? 16 });
    this.auth = new SimAuth(opts.now ?? Date.now, opts.ticketLifetimeMs ?? 2 * 3600 * 1000);
    this.delays = { ...DEFAULT_DELAYS, ...opts.delays };
    this.taskVisibleAfterMs = opts.taskVisibleAfterMs ?? 0;
    this.onPower = opts.onPower;
    this.machines = opts.machines;
    this.authFailDelayMs = opts.authFailDelayMs ?? 3000;
    this.cert = opts.cert ?? generateCert();
    this.#server = createServer({ key: this.cert.key, cert: this.cert.cert }, (req, res) => {
      this.#serve(req, res).catch(() => res.destroy());
    });
  }

  get port(): number {
    return this.#port;
  }
  /** https://127.0.0.1:PORT */
  get url(): string {
    return `https://127.0.0.1:${this.#port}`;
  }
  get fingerprint(): string {
    return this.cert.fingerprint;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.tasks.stop();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- setup ----
  addToken(tokenId: string, secret: string, privileges: Privileges | string[] = 'all'): void {
    this.auth.tokens.set(tokenId, { secret, privileges: Array.isArray(privileges) ? new Set(privileges) : privileges });
  }
  addUser(username: string, password: string, privileges: Privileges | string[] = 'all'): void {
    this.auth.users.set(username, {
      password,
      privileges: Array.isArray(privileges) ? new Set(privileges) : privileges,
    });
  }
  addVm(spec: SimVmSpec): SimVm {
    const config = {
      ...spec.config,
      ...(spec.tags ? { tags: spec.tags.join(';') } : {}),
      ...(spec.template ? { template: 1 } : {}),
      ...(spec.agent ? { agent: spec.agent.enabled === false ? 0 : 1 } : {}),
    };
    const status = spec.template ? 'stopped' : (spec.status ?? 'running');
    const vm = new SimVm({ vmid: spec.vmid, node: spec.node, config, status, ...(spec.ha ? { ha: true } : {}) });
    this.vms.set(spec.vmid, vm);
    if (spec.agent) this.agents.set(spec.vmid, spec.agent);
    if (spec.pool !== undefined) this.pools.add(spec.pool, spec.vmid);
    return vm;
  }
  vm(vmid: number): SimVm {
    const vm = this.vms.get(vmid);
    if (!vm) throw new Error(`simulator has no VM ${vmid}`);
    return vm;
  }

  // ---- faults ----
  /** The next `count` requests (matching `match`, if given) fail with `status` (500, 595, 596: after it ran). */
  failNext(
    count: number,
    status: number,
    opts: { message?: string; match?: (r: { method: string; path: string }) => boolean } = {},
  ): void {
    const message =
      opts.message ?? (status === 595 ? 'No route to host' : status === 596 ? 'Broken pipe' : 'internal error');
    this.#fail.push({ remaining: count, status, message, match: opts.match });
  }
  /** The next `count` matching requests are handled, then the connection is cut before the answer. */
  dropResponses(count: number, match?: (r: { method: string; path: string }) => boolean): void {
    this.#drop.push({ remaining: count, match });
  }
  /** The next task (of `type`) fails with `message`. */
  failNextTask(message: string, type?: string): void {
    this.tasks.failNext(message, type);
  }
  setNodeOnline(node: string, online: boolean): void {
    const n = this.nodes.get(node);
    if (!n) throw new Error(`simulator has no node ${node}`);
    n.online = online;
  }
  /** Another admin edits the config: the digest changes underneath. */
  touchConfig(vmid: number, description = `edited at ${Date.now()}`): void {
    this.vm(vmid).conf.set('description', description);
  }
  setLock(vmid: number, lock: string | undefined): void {
    if (lock === undefined) this.vm(vmid).conf.delete('lock');
    else this.vm(vmid).conf.set('lock', lock);
  }
  /** A reboot inside the guest: QEMU survives, pending changes stay pending. */
  guestReboot(vmid: number): void {
    this.vm(vmid);
    this.events.push({ type: 'guest-reboot', vmid });
  }

  // ---- observations ----
  /** Every request that was not a GET (POST/PUT/DELETE), in order. */
  writes(): SimRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'https://sim');
    const method = req.method ?? 'GET';
    const rel = url.pathname.replace(/^\/api2\/json\/?/, '');
    const segments = rel
      .split('/')
      .filter((x) => x !== '')
      .map((x) => decodeURIComponent(x));
    const entry: SimRequest = { method, path: `/${segments.join('/')}`, params: {}, identity: null, status: 0 };
    this.requests.push(entry);
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    try {
      if (!url.pathname.startsWith('/api2/json'))
        throw new SimHttpError(501, `Method '${method} ${url.pathname}' not implemented`);
      if (body !== '' && (method === 'GET' || method === 'DELETE'))
        throw new SimHttpError(501, `Unexpected content for method '${method}'`);
      const params = {
        ...parseBody(body, String(req.headers['content-type'] ?? '')),
        ...Object.fromEntries(url.searchParams),
      };
      entry.params = params;
      if (method === 'POST' && entry.path === '/access/ticket')
        return this.#send(res, entry, 200, await this.#ticket(params));
      const auth = this.auth.check(req.headers, method !== 'GET');
      if (!auth.ok) {
        await sleep(this.authFailDelayMs);
        throw new SimHttpError(401, auth.reason, { body: 'empty' });
      }
      entry.identity = auth.identity.id;
      const rule = this.#fail.find((f) => f.remaining > 0 && (f.match === undefined || f.match(entry)));
      // 595: pveproxy never reached the node. 596: the hop failed after the request was handed on, so it ran.
      if (rule && rule.status !== 596) {
        rule.remaining -= 1;
        throw new SimHttpError(rule.status, rule.message, { body: rule.status >= 595 ? 'empty' : 'json' });
      }
      const apiReq: ApiRequest = {
        method,
        path: segments.join('/'),
        segments,
        params,
        identity: auth.identity satisfies Identity,
      };
      const data = handle(this, apiReq);
      if (rule) {
        rule.remaining -= 1;
        throw new SimHttpError(rule.status, rule.message, { body: 'empty' });
      }
      const drop = this.#drop.find((d) => d.remaining > 0 && (d.match === undefined || d.match(entry)));
      if (drop) {
        drop.remaining -= 1;
        entry.status = -1; // handled, answer lost
        res.socket?.destroy();
        return;
      }
      this.#send(res, entry, 200, data);
    } catch (err) {
      if (!(err instanceof SimHttpError)) throw err;
      this.#sendError(res, entry, err);
    }
  }

  async #ticket(params: Record<string, string>): Promise<unknown> {
    const username = params['username'] ?? '';
    const password = params['password'] ?? '';
    const user = this.auth.users.get(username);
    // Renewal: the current ticket is accepted as the password.
    const ok = user !== undefined && (user.password === password || this.auth.verifyTicket(password) === username);
    if (!ok) {
      await sleep(this.authFailDelayMs);
      throw new SimHttpError(401, 'authentication failure\n');
    }
    const t = this.auth.issue(username);
    return { username, ticket: t.ticket, CSRFPreventionToken: t.csrf, cap: {}, clustername: 'sim' };
  }

  #send(res: ServerResponse, entry: SimRequest, status: number, data: unknown): void {
    entry.status = status;
    const text = JSON.stringify({ data: data ?? null });
    res.writeHead(status, 'OK', {
      'Content-Type': 'application/json;charset=UTF-8',
      Server: 'pve-api-daemon/3.0',
      'Cache-Control': 'max-age=0',
    });
    res.end(text);
  }

  #sendError(res: ServerResponse, entry: SimRequest, err: SimHttpError): void {
    entry.status = err.status;
    const reason = (err.message.split('\n')[0] ?? '').replace(/[^\t\x20-\x7e]/g, '?');
    const headers: Record<string, string> = { Server: 'pve-api-daemon/3.0', Connection: 'close' };
    if (err.body === 'empty') {
      res.writeHead(err.status, reason, headers);
      res.end();
      return;
    }
    headers['Content-Type'] = 'application/json;charset=UTF-8';
    res.writeHead(err.status, reason, headers);
    res.end(JSON.stringify({ data: null, message: err.message, ...(err.errors ? { errors: err.errors } : {}) }));
  }
}

function parseBody(body: string, contentType: string): Record<string, string> {
  if (body === '') return {};
  if (contentType.startsWith('application/json')) {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]),
    );
  }
  // pveproxy's decoder: each pair is split on every '=', only the first two pieces count.
  const out: Record<string, string> = {};
  for (const pair of body.split('&')) {
    const [k, v] = pair.split('=');
    if (k === undefined || k === '') continue;
    const dec = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
    const key = dec(k);
    const value = dec(v ?? '');
    out[key] = out[key] !== undefined && key === 'delete' ? `${out[key]},${value}` : value;
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Start a simulator on 127.0.0.1 with a free port. */
export async function startPveSim(opts: PveSimOptions = {}): Promise<PveSim> {
  return new PveSim(opts).listen();
}
