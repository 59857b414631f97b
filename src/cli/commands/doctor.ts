// `ober-push doctor`: placeholder until the fleet checks land (issue 6).
import { TaskError } from '../../core/errors.js';

export async function doctorCommand(_opts: unknown): Promise<number> {
  throw new TaskError('ober-push doctor is not implemented yet');
}
