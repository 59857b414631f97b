// `ober-push status`: placeholder until the fleet status lands (issue 6).
import { TaskError } from '../../core/errors.js';

export async function statusCommand(_opts: unknown): Promise<number> {
  throw new TaskError('ober-push status is not implemented yet');
}
