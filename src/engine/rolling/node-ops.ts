// The operations a rolling step performs on one node, over its session: run a script (as root) and probe.
import type { StepProof } from './proof.js';
import type { ExecResult } from '../../core/module.js';
import type { ShellCommand } from '../../core/shell.js';
import type { RollingStep } from '../events.js';
import type { HostSession } from '../host-session.js';
import { parseProbe, probeScript, type NodeProbe } from './node-probe.js';
import type { RollTarget } from './target.js';

export interface NodeOps {
  readonly target: RollTarget;
  exec(script: ShellCommand, timeoutMs?: number): Promise<ExecResult>;
  /** `light`: without HAProxy's runtime API (drain, sessions, servers stay unknown): cheaper, for polling. */
  probe(light?: boolean): Promise<NodeProbe>;
}

/** A step that did not reach its goal: the roll stops, and the node stays where it is (never re-announced). */
export class StepFailed extends Error {
  readonly step: RollingStep;
  readonly host: string;
  readonly detail: string | undefined;
  constructor(step: RollingStep, host: string, message: string, detail?: string) {
    super(message);
    this.name = 'StepFailed';
    this.step = step;
    this.host = host;
    this.detail = detail;
  }
}

export interface StepOutcome {
  status: 'ok' | 'skipped';
  detail?: string;
  /** What verified the step (withdraw, announce) or what it cost (settle), as data. */
  proof?: StepProof;
}

export function sessionOps(session: HostSession, target: RollTarget, become: boolean): NodeOps {
  return {
    target,
    exec: (script, timeoutMs) => session.exec(script, timeoutMs === undefined ? undefined : { timeoutMs }, become),
    probe: async (light = false) => {
      const r = await session.exec(probeScript(target, !light), { timeoutMs: 15_000 }, become);
      return parseProbe(r.stdout, target.vips);
    },
  };
}

/** Run a script that must succeed; a non-zero exit fails the step with the script's output. */
export async function mustExec(
  ops: NodeOps,
  step: RollingStep,
  what: string,
  script: ShellCommand,
  timeoutMs = 30_000,
): Promise<ExecResult> {
  const r = await ops.exec(script, timeoutMs);
  if (r.code !== 0)
    throw new StepFailed(
      step,
      ops.target.name,
      `${what} failed (exit ${r.code})`,
      (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n'),
    );
  return r;
}
