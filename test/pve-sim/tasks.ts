// Simulated worker tasks: UPIDs, delayed work, status and log, injected failures.

export interface SimTask {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  createdAt: number; // ms, real clock
  status: 'running' | 'stopped';
  exitstatus?: string;
  log: string[];
}

type TaskWork = () => string[] | void | Promise<string[] | void>;

export class SimTasks {
  readonly tasks = new Map<string, SimTask>();
  readonly #failNext: Array<{ message: string; type?: string }> = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #counter = 0;

  /** The next task (of `type`, if given) fails with `message` instead of doing its work. */
  failNext(message: string, type?: string): void {
    this.#failNext.push({ message, ...(type ? { type } : {}) });
  }

  /**
   * Start a task that runs `work` after `delayMs`. `work` returns (or resolves to) log lines, or throws (the task
   * then fails with the error's message); the task runs until it settles. Returns the UPID.
   */
  start(node: string, type: string, id: string, user: string, delayMs: number, work: TaskWork): string {
    this.#counter += 1;
    const counter = this.#counter;
    const hex = (n: number, w = 8): string => n.toString(16).toUpperCase().padStart(w, '0');
    const now = Date.now();
    const upid = `UPID:${node}:${hex(process.pid * 16 + (counter % 16))}:${hex(counter + 0x1000)}:${hex(Math.floor(now / 1000))}:${type}:${id}:${user}:`;
    const task: SimTask = { upid, node, type, id, user, createdAt: now, status: 'running', log: [] };
    this.tasks.set(upid, task);
    const injected = this.#takeFailure(type);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#finish(task, injected, work);
    }, delayMs);
    this.#timers.add(timer);
    return upid;
  }

  #takeFailure(type: string): string | undefined {
    const i = this.#failNext.findIndex((f) => f.type === undefined || f.type === type);
    if (i < 0) return undefined;
    return this.#failNext.splice(i, 1)[0]?.message;
  }

  async #finish(task: SimTask, injected: string | undefined, work: TaskWork): Promise<void> {
    try {
      if (injected !== undefined) throw new Error(injected);
      const lines = (await work()) ?? [];
      task.log.push(...lines, 'TASK OK');
      task.exitstatus = 'OK';
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      task.log.push(...msg.split('\n'), `TASK ERROR: ${msg.replace(/\n+/g, ' ')}`);
      task.exitstatus = msg.replace(/\n+/g, ' ');
    }
    task.status = 'stopped';
  }

  /** Cancel pending timers (server shutdown). */
  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
