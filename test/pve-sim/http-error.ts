// Errors the simulated handlers throw, rendered like pveproxy renders them.

export class SimHttpError extends Error {
  readonly status: number;
  /** JSON body with `message` (and `errors`), or an empty body (401, 595). */
  readonly body: 'json' | 'empty';
  readonly errors: Record<string, string> | undefined;
  constructor(
    status: number,
    message: string,
    opts: { body?: 'json' | 'empty'; errors?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.body = opts.body ?? 'json';
    this.errors = opts.errors;
  }
}

/** 400 Parameter verification failed, with the per-parameter map. */
export function paramError(errors: Record<string, string>): SimHttpError {
  return new SimHttpError(400, 'Parameter verification failed.\n', { errors });
}

/** A plain `die` in a handler: 500 with the message. */
export function die(message: string): SimHttpError {
  return new SimHttpError(500, message);
}
