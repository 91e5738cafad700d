// An action the cluster refused or could not carry: the HTTP status and the daemon's code.
export class ActionError extends Error {
  constructor(readonly status: number, message: string, readonly code = '') { super(message); }
}
