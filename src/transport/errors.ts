/** The host could not be reached or logged into: reported as `unreachable` (exit 4). */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/** The connection broke while commands were running: the host is reported `failed`. */
export class ConnectionLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionLostError';
  }
}
