// `ober-push resume` / `restore`: placeholders until the rolling journal lands (issue 7).
import { TaskError } from '../../core/errors.js';

export async function resumeCommand(_opts: unknown): Promise<number> {
  throw new TaskError('ober-push resume is not implemented yet');
}

export async function restoreCommand(_opts: unknown): Promise<number> {
  throw new TaskError('ober-push restore is not implemented yet');
}
