// Typed failures of the IPMI LAN client, so callers (the fence agent) can map them to
// fence-agents' messages and exit codes without parsing strings.

export type IpmiErrorCode = 'authentication' | 'timeout' | 'unreachable' | 'protocol' | 'closed';

export abstract class IpmiError extends Error {
  abstract readonly code: IpmiErrorCode;
}

/** Wrong user name or password, or a privilege level / auth type the BMC refuses for this user. */
export class AuthenticationError extends IpmiError {
  readonly code = 'authentication' as const;
  /** True when concluded from silence (an IPMI 1.5 BMC drops a wrong auth code without a word). */
  constructor(message: string, readonly inferredFromSilence = false) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** No (valid) answer within the bound: per-try timeout x tries. */
export class TimeoutError extends IpmiError {
  readonly code: IpmiErrorCode = 'timeout';
  constructor(message: string, readonly elapsedMs: number) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** No answer and the network said nobody listens (ICMP port/host unreachable). */
export class UnreachableError extends TimeoutError {
  override readonly code = 'unreachable' as const;
  constructor(message: string, elapsedMs: number) {
    super(message, elapsedMs);
    this.name = 'UnreachableError';
  }
}

/** The BMC answered, but not with success: a completion code or an RMCP+ status. */
export class ProtocolError extends IpmiError {
  readonly code = 'protocol' as const;
  constructor(message: string, readonly completionCode?: number) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** The client was closed by its owner. */
export class ClosedError extends IpmiError {
  readonly code = 'closed' as const;
  constructor(message = 'IPMI client is closed') {
    super(message);
    this.name = 'ClosedError';
  }
}

const completionTexts: Record<number, string> = {
  0xc0: 'node busy',
  0xc1: 'invalid command',
  0xc2: 'command invalid for given LUN',
  0xc3: 'timeout while processing command',
  0xc4: 'out of space',
  0xc5: 'reservation cancelled or invalid',
  0xc6: 'request data truncated',
  0xc7: 'request data length invalid',
  0xc8: 'request data field length limit exceeded',
  0xc9: 'parameter out of range',
  0xca: 'cannot return number of requested data bytes',
  0xcb: 'requested sensor, data, or record not present',
  0xcc: 'invalid data field in request',
  0xcd: 'command illegal for specified sensor or record type',
  0xce: 'command response could not be provided',
  0xcf: 'cannot execute duplicated request',
  0xd0: 'SDR repository in update mode',
  0xd1: 'device in firmware update mode',
  0xd2: 'BMC initialization in progress',
  0xd3: 'destination unavailable',
  0xd4: 'insufficient privilege level',
  0xd5: 'command not supported in present state',
  0xd6: 'command sub-function disabled or unavailable',
  0xff: 'unspecified error',
};

export function completionCodeText(cc: number): string {
  return completionTexts[cc] ?? `completion code 0x${cc.toString(16).padStart(2, '0')}`;
}

/** RMCP+ status codes (spec Table 13-15). */
const rmcpStatusTexts: Record<number, string> = {
  0x01: 'insufficient resources to create a session',
  0x02: 'invalid session ID',
  0x03: 'invalid payload type',
  0x04: 'invalid authentication algorithm',
  0x05: 'invalid integrity algorithm',
  0x06: 'no matching authentication payload',
  0x07: 'no matching integrity payload',
  0x08: 'inactive session ID',
  0x09: 'invalid role',
  0x0a: 'unauthorized role or privilege level requested',
  0x0b: 'insufficient resources to create a session at the requested role',
  0x0c: 'invalid name length',
  0x0d: 'unauthorized name',
  0x0e: 'unauthorized GUID',
  0x0f: 'invalid integrity check value',
  0x10: 'invalid confidentiality algorithm',
  0x11: 'no cipher suite match with proposed security algorithms',
  0x12: 'illegal or unrecognized parameter',
};

export function rmcpStatusText(status: number): string {
  return rmcpStatusTexts[status] ?? `RMCP+ status 0x${status.toString(16).padStart(2, '0')}`;
}

/** RMCP+ statuses that mean "who you are or what you may do", not a protocol mismatch. */
export function isAuthStatus(status: number): boolean {
  return status === 0x09 || status === 0x0a || status === 0x0c || status === 0x0d || status === 0x0e || status === 0x0f;
}
