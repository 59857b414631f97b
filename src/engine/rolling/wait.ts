// Polling with a deadline and an abort signal: the rolling steps wait on observable state, never a fixed sleep.
export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal | undefined;
}

export type PollResult<T> =
  { ok: true; value: T; ms: number } | { ok: false; last: T | null; ms: number; error?: string };

/** Calls `probe` until `done(value)` or the deadline; a probe that throws counts as not done (its error is kept). */
export async function poll<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  o: PollOptions,
): Promise<PollResult<T>> {
  const started = Date.now();
  let last: T | null = null;
  let error: string | undefined;
  for (;;) {
    try {
      last = await probe();
      error = undefined;
      if (done(last)) return { ok: true, value: last, ms: Date.now() - started };
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() - started >= o.timeoutMs)
      return { ok: false, last, ms: Date.now() - started, ...(error ? { error } : {}) };
    await sleep(o.intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
