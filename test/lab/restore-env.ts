// Lab setup file: test files that use a private lab point LAB_STATE at it; a worker process may run several files,
// so put LAB_STATE back after each file, or the next file would talk to a lab that is gone.
import { afterAll } from 'vitest';

const saved = process.env.LAB_STATE;

afterAll(() => {
  if (saved === undefined) delete process.env.LAB_STATE;
  else process.env.LAB_STATE = saved;
});
