// What a device-specific agent implements. The generic layer (engine.ts) does the rest: delay,
// on/off with power_wait and status polling up to power_timeout, retry_on, reboot as off+on or
// one cycle, several plugs, list output, exit codes and texts.

export type PowerState = 'on' | 'off';

export interface PlugInfo {
  /** What `-n` accepts for this plug (outlet number; MSP `switch:outlet`). */
  readonly id: string;
  readonly name: string;
  /** Filled when the driver can read it cheaply; list-status prints UNKNOWN otherwise. */
  readonly status?: PowerState;
}

/**
 * One device session. `plug` is one element of the `-n` list ('' for agents without plugs).
 * Drivers throw FenceError for every failure they understand; anything else becomes
 * "Failed: Generic error" with the message as detail.
 */
export interface FenceDriver {
  /** Open the session (login, model detection). Bounded by login_timeout. */
  connect(): Promise<void>;
  getPower(plug: string): Promise<PowerState>;
  /** Send the command only; the engine confirms by polling getPower(). */
  setPower(plug: string, state: PowerState): Promise<void>;
  /** One-command power cycle (method=cycle); absent = the agent cannot cycle. */
  cycle?(plug: string): Promise<void>;
  /** For list / list-status; absent = "NOTICE: List option is not working on this device yet". */
  listPlugs?(): Promise<PlugInfo[]>;
  /** For monitor; default: listPlugs() if present else getPower(first plug or ''). */
  monitor?(): Promise<void>;
  /** Extra agent-specific actions (e.g. fence_ipmilan `diag`); returns stdout lines. */
  extraAction?(action: string, plugs: readonly string[]): Promise<string[]>;
  /** Always called once, also after failures. Must not throw. */
  close(): Promise<void>;
}

/** Failure kinds with fence-agents' texts (lib/fencing.py fail()). All exit 1. */
export type FenceErrorKind =
  | 'generic' | 'login' | 'connection-lost' | 'timeout' | 'waiting-on' | 'waiting-off'
  | 'status' | 'password-missing' | 'privileges' | 'plug-not-found' | 'usage';

export const fenceErrorTexts: Readonly<Record<FenceErrorKind, string>> = {
  'generic': 'Failed: Generic error',
  'login': 'Unable to connect/login to fencing device',
  'connection-lost': 'Connection lost',
  'timeout': 'Connection timed out',
  'waiting-on': 'Failed: Timed out waiting to power ON',
  'waiting-off': 'Failed: Timed out waiting to power OFF',
  'status': 'Failed: Unable to obtain correct plug status or plug is not available',
  'password-missing': 'Failed: You have to set login password',
  'privileges': 'Failed: The user does not have the correct privileges to do the requested action.',
  'plug-not-found': 'Failed: Unable to obtain correct plug status or plug is not available',
  'usage': 'Failed: Generic error',
};

/** A failure with an upstream text (`kind`) and our own explanation (`detail`). */
export class FenceError extends Error {
  readonly kind: FenceErrorKind;
  /** The upstream text alone (what fence-agents prints; scripts grep for it). */
  readonly head: string;
  readonly detail: string | undefined;
  constructor(kind: FenceErrorKind, detail?: string, text?: string) {
    const head = text ?? fenceErrorTexts[kind];
    super(detail !== undefined && detail !== '' ? `${head}${head.endsWith('.') ? '' : ':'} ${detail}` : head);
    this.name = 'FenceError';
    this.kind = kind;
    this.head = head;
    this.detail = detail;
  }
}

/**
 * stderr lines of a failure as the command-line agents print them: the upstream text alone on
 * the first line (exactly what fence-agents prints), our explanation on the next one.
 */
export function errorLines(err: unknown): string[] {
  if (err instanceof FenceError) return err.detail !== undefined && err.detail !== '' ? [err.head, err.detail] : [err.head];
  return [fenceErrorTexts.generic, (err as Error).message];
}
