// Where the benchmark keeps things: the repo root, its scratch dir (.work, git-ignored) and results/.
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH = `${REPO}bench/`;
export const WORK = `${BENCH}.work/`;
export const RESULTS = `${BENCH}results/`;
export const WORKLOADS = `${BENCH}workloads/`;
export const OBER_PUSH_BIN = `${REPO}bin/ober-push.js`;
export const COUNT_EXECS = `${BENCH}lib/count-execs.mjs`;
