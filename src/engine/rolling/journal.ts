// The local journal of a roll: `.ober-push/journal/<run-id>.json` (one per run) and `latest` (the last run's id),
// under the directory ober-push runs in. Each node's phase is written after every step, so an interrupted roll
// can be resumed from where each node stood.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RollingPhase } from '../events.js';
import type { NodeProofs, StepProof } from './proof.js';
import { isPhase } from './phase.js';
import { textOf } from '../../core/text.js';

export interface JournalNode {
  phase: RollingPhase;
  at: string;
  /** Set when a step failed on this node: which and why. */
  error?: { step: string; message: string };
  /** What verified its withdraw and announce and what its roll cost (routers, data plane, loss counters). */
  proofs?: NodeProofs;
}

export interface JournalOptions {
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVarNames: string[];
}

export interface Journal {
  runId: string;
  /** The playbook file (resume runs it again). */
  playbook: string;
  play: string;
  user: string;
  workstation: string;
  pid: number;
  startedAt: string;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  /**
   * The run's selection, replayed by resume, and the NAMES of its -e variables (never their values: secrets come
   * in by -e too). Resume asks the operator for the same -e again and refuses while a name is missing.
   */
  options: JournalOptions;
  batches: string[][];
  /** The rolled nodes (the fleet's nodes --limit left out are not here: see `counted`). */
  nodes: Record<string, JournalNode>;
  /** The fleet's nodes --limit left out: counted on (capacity floor, relay, fleet lock), never rolled. */
  counted?: string[];
}

export function journalDir(baseDir: string): string {
  return join(baseDir, '.ober-push', 'journal');
}

export function journalPath(baseDir: string, runId: string): string {
  return join(journalDir(baseDir), `${runId}.json`);
}

/**
 * Write atomically (temp + rename) and point `latest` at it. The directory is 0700 and every file 0600 (whatever
 * the umask, and also when they were created looser by an earlier version): the journal names hosts and options.
 */
export async function writeJournal(baseDir: string, journal: Journal): Promise<string> {
  const dir = journalDir(baseDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = journalPath(baseDir, journal.runId);
  await writePrivate(`${file}.tmp`, `${JSON.stringify(journal, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  await writePrivate(join(dir, 'latest.tmp'), `${journal.runId}\n`);
  await rename(join(dir, 'latest.tmp'), join(dir, 'latest'));
  return file;
}

async function writePrivate(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600); // `mode` applies only when the file is created; a leftover temp file keeps its own
}

export async function readJournal(baseDir: string, runId: string): Promise<Journal | null> {
  try {
    return parseJournal(await readFile(journalPath(baseDir, runId), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function readLatestJournal(baseDir: string): Promise<Journal | null> {
  let id: string;
  try {
    id = (await readFile(join(journalDir(baseDir), 'latest'), 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return id ? readJournal(baseDir, id) : null;
}

export function parseJournal(text: string): Journal {
  // Parsed as what it may be, not what it should be: the checks below make it a Journal.
  const v = JSON.parse(text) as Partial<Omit<Journal, 'nodes'>> & {
    nodes?: Record<string, { phase?: unknown }> | null;
  };
  if (typeof v.runId !== 'string' || typeof v.nodes !== 'object' || v.nodes === null)
    throw new Error('not a rolling journal (no runId or nodes)');
  for (const [host, node] of Object.entries(v.nodes)) {
    if (!isPhase(node.phase))
      throw new Error(`journal ${v.runId}: node ${host} has an unknown phase "${textOf(node.phase)}"`);
  }
  // The other fields are taken as written (the journal is ours; its phases, checked above, are what resume trusts).
  return { ...(v as Journal), options: parseOptions(v.options) };
}

/** Journals written before names-only kept `extraVars` (values): keep their names, drop the values. */
function parseOptions(raw: unknown): JournalOptions {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const strings = (x: unknown): string[] =>
    Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
  const legacy = o['extraVars'];
  const names = Array.isArray(o['extraVarNames'])
    ? strings(o['extraVarNames'])
    : typeof legacy === 'object' && legacy !== null
      ? Object.keys(legacy)
      : [];
  return {
    ...(typeof o['limit'] === 'string' ? { limit: o['limit'] } : {}),
    tags: strings(o['tags']),
    skipTags: strings(o['skipTags']),
    extraVarNames: [...names].sort(),
  };
}

/**
 * Resume needs the -e variables of the run it continues: the journal holds their names only. Returns the names
 * the operator did not give again (empty: all there) and the ones the original run did not have.
 */
export function compareExtraVars(
  journal: Journal,
  given: Record<string, unknown>,
): { missing: string[]; unexpected: string[] } {
  const want = new Set(journal.options.extraVarNames);
  const have = Object.keys(given);
  return {
    missing: [...want].filter((n) => !Object.hasOwn(given, n)).sort(),
    unexpected: have.filter((n) => !want.has(n)).sort(),
  };
}

/** Record a node's new phase (pure: returns the updated journal). */
export function withPhase(journal: Journal, host: string, phase: RollingPhase, now: Date): Journal {
  const proofs = journal.nodes[host]?.proofs;
  return {
    ...journal,
    nodes: { ...journal.nodes, [host]: { phase, at: now.toISOString(), ...(proofs ? { proofs } : {}) } },
  };
}

/** Record what verified (or what cost) a node's step (pure). */
export function withProof(journal: Journal, host: string, step: keyof NodeProofs, proof: StepProof): Journal {
  const node = journal.nodes[host] ?? { phase: 'pending' as const, at: new Date(0).toISOString() };
  const proofs = { ...node.proofs, [step]: proof };
  return { ...journal, nodes: { ...journal.nodes, [host]: { ...node, proofs } } };
}

export function withError(journal: Journal, host: string, step: string, message: string): Journal {
  const node = journal.nodes[host] ?? { phase: 'pending' as const, at: new Date(0).toISOString() };
  return { ...journal, nodes: { ...journal.nodes, [host]: { ...node, error: { step, message } } } };
}

/** The node-side phase record. */
export interface RemotePhase {
  runId: string;
  phase: RollingPhase;
  at: string;
}

export function parseRemotePhase(text: string): RemotePhase | null {
  if (!text.trim()) return null;
  try {
    const v = JSON.parse(text) as Partial<RemotePhase>;
    return typeof v.runId === 'string' && isPhase(v.phase) && typeof v.at === 'string'
      ? { runId: v.runId, phase: v.phase, at: v.at }
      : null;
  } catch {
    return null;
  }
}
