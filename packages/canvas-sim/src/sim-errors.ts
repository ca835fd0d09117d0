/** A bad request to the control surface (unknown user, bad mutation, unknown fault): never a sim bug. */
export class SimInputError extends Error {
  override readonly name = 'SimInputError';

  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(`canvas-sim: ${message}`);
  }
}

export function unknownUser(userId: number): SimInputError {
  return new SimInputError(`no user ${userId}`, 404);
}
