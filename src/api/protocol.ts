// The daemon socket's wire protocol: newline-delimited JSON over a Unix socket in the run dir.
//
//   client -> daemon   {"id":1,"kind":"cman.status","params":{}}
//   daemon -> client   {"id":1,"ok":true,"result":{...}}   or   {"id":1,"ok":false,"error":{"code":"EINVAL","message":"..."}}
//   daemon -> client   {"event":"cman.membership","data":{...}}   (after a "subscribe" request)
//
// Request kinds are typed through the ApiRequests interface and events through ApiEvents. A room
// adds its own kinds from its own file with module augmentation (see cman.ts):
//
//   declare module './protocol.js' {
//     interface ApiRequests { 'rg.status': { params: {}; result: RgStatus } }
//   }
import path from 'node:path';

/** Request kind -> { params, result }. Augmented by cman.ts (and later rgmanager/fenced files). */
export interface ApiRequests {
  /** Ask for events; `events` lists event names (or prefixes ending in '.'), [] = all. */
  subscribe: { params: { events: string[] }; result: { subscribed: string[] } };
  /** Liveness check; returns the daemon's pid and version. */
  ping: { params: Record<string, never>; result: { pid: number; version: string } };
}

/** Event name -> payload. Augmented like ApiRequests. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ApiEvents {}

export type RequestKind = keyof ApiRequests & string;
export type EventKind = keyof ApiEvents & string;
export type ParamsOf<K extends RequestKind> = ApiRequests[K]['params'];
export type ResultOf<K extends RequestKind> = ApiRequests[K]['result'];

export interface RequestFrame<K extends RequestKind = RequestKind> {
  readonly id: number;
  readonly kind: K;
  readonly params: ParamsOf<K>;
}

/** Error codes follow errno names where RHCS tools print strerror() (EINVAL, ENOENT, ...). */
export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
}

export type ReplyFrame =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: ApiErrorBody };

export interface EventFrame<E extends EventKind = EventKind> {
  readonly event: E;
  readonly data: ApiEvents[E];
}

/** Longest line either side accepts (requests and replies); longer input closes the connection. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Most concurrent client connections the daemon accepts. */
export const MAX_CLIENTS = 128;
/** A client whose unread output exceeds this is disconnected (slow event consumer). */
export const MAX_PENDING_OUTPUT_BYTES = 4 * 1024 * 1024;
export const SOCKET_NAME = 'clusterd.sock';
export const DEFAULT_RUN_DIR = '/var/run/cluster';

/** The run dir: explicit value, else $CLUSTER_RUN_DIR, else /var/run/cluster. */
export function resolveRunDir(explicit?: string): string {
  return explicit ?? process.env['CLUSTER_RUN_DIR'] ?? DEFAULT_RUN_DIR;
}

export function socketPath(runDir: string): string {
  return path.join(runDir, SOCKET_NAME);
}

/** An error a handler throws to send a typed error reply. */
export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Splits a byte stream into lines with a length bound; returns false when a line is too long
 * (the caller closes the connection).
 */
export class LineSplitter {
  private pending = '';
  constructor(private readonly onLine: (line: string) => void, private readonly maxLineBytes = MAX_LINE_BYTES) {}
  push(chunk: string): boolean {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl !== -1) {
      const line = this.pending + chunk.slice(start, nl);
      this.pending = '';
      if (line.length > this.maxLineBytes) return false;
      if (line.length > 0) this.onLine(line);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    this.pending += chunk.slice(start);
    return this.pending.length <= this.maxLineBytes;
  }
}
