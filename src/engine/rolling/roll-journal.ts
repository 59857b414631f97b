// The journal of the roll in progress: each update is applied at once and written in order (one write at a
// time, atomically), so the file on disk always holds a whole journal no older than the previous update.
import { withPhase, writeJournal, type Journal } from './journal.js';
import type { RollContext } from './roll-context.js';

export class RollJournal {
  private current: Journal;
  private writes: Promise<string>;

  private constructor(
    private readonly baseDir: string,
    journal: Journal,
  ) {
    this.current = journal;
    this.writes = writeJournal(baseDir, journal);
  }

  /** Write the first version; resolves once it is on disk. */
  static async open(baseDir: string, journal: Journal): Promise<{ journal: RollJournal; file: string }> {
    const j = new RollJournal(baseDir, journal);
    return { journal: j, file: await j.writes };
  }

  get value(): Journal {
    return this.current;
  }

  update(change: (j: Journal) => Journal): Promise<string> {
    this.current = change(this.current);
    const snapshot = this.current;
    this.writes = this.writes.then(() => writeJournal(this.baseDir, snapshot));
    return this.writes;
  }

  /** Resolves once every update is on disk. */
  flushed(): Promise<string> {
    return this.writes;
  }
}

/** The journal a roll starts with: the resumed one, or a new one (with -e by name only, see Journal.options). */
export function journalFor(rc: RollContext): Journal {
  const o = rc.play.options;
  const base: Journal = rc.options.resume ?? {
    runId: rc.me.runId,
    playbook: rc.play.item.play.location.file,
    play: rc.play.item.play.name,
    user: rc.me.user,
    workstation: rc.me.workstation,
    pid: rc.me.pid,
    startedAt: new Date().toISOString(),
    status: 'running',
    options: {
      ...(o.limit ? { limit: o.limit } : {}),
      tags: o.tags,
      skipTags: o.skipTags,
      extraVarNames: Object.keys(o.extraVars).sort(),
    },
    batches: rc.batches.map((b) => [...b]),
    nodes: {},
    ...(rc.counted.length > 0 ? { counted: [...rc.counted] } : {}),
  };
  const now = new Date();
  const started = rc.hosts.reduce((j, h) => withPhase(j, h, rc.phases.get(h) ?? 'pending', now), base);
  return { ...started, status: 'running', pid: rc.me.pid };
}
