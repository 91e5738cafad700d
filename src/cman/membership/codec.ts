// Wire codec of the membership messages: JSON in UTF-8. decodeMessage validates every field
// (types, integer ranges, array and string sizes) and never throws: malformed input is returned
// as {ok:false, error} for the transport to count and drop.
import type { AppCommand, EntryBody, JsonValue, KvEntry, LeaveReason, LocalCommand, LogEntry, Message,
  RequestOrigin, SnapshotMeta, ViewMember } from './types.js';

/** Upper bound of an encoded message; the transport's frame limit must be at least this. */
export const MAX_MESSAGE_BYTES = 60_000;
const MAX_ARRAY = 4096;
const MAX_STRING = 4096;
const MAX_DEPTH = 16;

export function encodeMessage(message: Message): Uint8Array {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

export type DecodeResult = { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly error: string };

export function decodeMessage(bytes: Uint8Array | string): DecodeResult {
  try {
    const length = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
    if (length > MAX_MESSAGE_BYTES) return { ok: false, error: `message too large (${length} bytes)` };
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return { ok: false, error: 'not JSON' };
    }
    return { ok: true, message: validateMessage(raw) };
  } catch (err) {
    return { ok: false, error: err instanceof Invalid ? err.message : 'invalid message' };
  }
}

class Invalid extends Error {}

function fail(what: string): never {
  throw new Invalid(what);
}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what}: not an object`);
  return v as Obj;
}
function int(o: Obj, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(`${key}: bad integer`);
  return v;
}
/** A finite number (clock readings: the daemon's clock may be fractional). */
function num(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${key}: bad number`);
  return v;
}
function bool(o: Obj, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${key}: not a boolean`);
  return v;
}
function str(o: Obj, key: string, max = MAX_STRING): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length > max) fail(`${key}: bad string`);
  return v;
}
function arr(o: Obj, key: string, max = MAX_ARRAY): unknown[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length > max) fail(`${key}: bad array`);
  return v;
}
function oneOf<T extends string>(o: Obj, key: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(`${key}: bad value`);
  return v as T;
}

function json(v: unknown, depth = 0): JsonValue {
  if (depth > MAX_DEPTH) fail('value nested too deep');
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail('value: not finite');
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => json(x, depth + 1));
  if (typeof v === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v as Obj)) out[k] = json(x, depth + 1);
    return out;
  }
  return fail('value: not JSON');
}

const NODEID_MAX = 0x7fffffff;

export function validateAppCommand(v: unknown): AppCommand {
  const o = obj(v, 'command');
  const op = oneOf(o, 'op', ['put', 'delete', 'cas'] as const);
  const key = str(o, 'key', 1024);
  if (op === 'delete') return { op, key };
  if (op === 'put') {
    if (!('value' in o)) fail('value: missing');
    return { op, key, value: json(o['value']) };
  }
  return { op, key, ifVersion: int(o, 'ifVersion'), value: o['value'] === undefined ? undefined : json(o['value']) };
}

function localCommand(v: unknown): LocalCommand {
  const o = obj(v, 'command');
  const op = oneOf(o, 'op', ['leave', 'kill', 'setExpectedVotes', 'setVotes', 'propose'] as const);
  switch (op) {
    case 'leave': return { op, remove: bool(o, 'remove') };
    case 'kill': return { op, nodeid: int(o, 'nodeid', 1, NODEID_MAX) };
    case 'setExpectedVotes': return { op, expectedVotes: int(o, 'expectedVotes', 1, 1 << 20) };
    case 'setVotes': return { op, nodeid: int(o, 'nodeid', 1, NODEID_MAX), votes: int(o, 'votes', 0, 255) };
    case 'propose': return { op, command: validateAppCommand(o['command']) };
  }
}

function member(v: unknown): ViewMember {
  const o = obj(v, 'member');
  return { nodeid: int(o, 'nodeid', 1, NODEID_MAX), incarnation: int(o, 'incarnation'), votes: int(o, 'votes', 0, 255),
    expectedVotes: int(o, 'expectedVotes', 0, 1 << 20) };
}

const REASONS: readonly LeaveReason[] = ['left', 'removed', 'killed', 'failed', 'restarted', 'rejoined'];

function origin(v: unknown): RequestOrigin {
  const o = obj(v, 'origin');
  return { nodeid: int(o, 'nodeid', 1, NODEID_MAX), inc: int(o, 'inc'), seq: int(o, 'seq') };
}

function viewBody(o: Obj): Extract<EntryBody, { k: 'view' }> {
  return {
    k: 'view', history: str(o, 'history', 64), base: int(o, 'base'), generation: int(o, 'generation'), members: arr(o, 'members', 1024).map(member),
    quorum: int(o, 'quorum'),
    left: arr(o, 'left', 1024).map((x) => {
      const l = obj(x, 'left');
      return { nodeid: int(l, 'nodeid', 1, NODEID_MAX), incarnation: int(l, 'incarnation'), reason: oneOf(l, 'reason', REASONS) };
    }),
    origins: arr(o, 'origins', 1024).map(origin),
  };
}

function entryBody(v: unknown): EntryBody {
  const o = obj(v, 'body');
  const k = oneOf(o, 'k', ['noop', 'view', 'cmd'] as const);
  if (k === 'noop') return { k };
  if (k === 'view') return viewBody(o);
  return { k, origin: origin(o['origin']), cmd: validateAppCommand(o['cmd']) };
}

function logEntry(v: unknown): LogEntry {
  const o = obj(v, 'entry');
  return { term: int(o, 'term'), body: entryBody(o['body']) };
}

function kvEntry(v: unknown): KvEntry {
  const o = obj(v, 'kv');
  if (!('value' in o)) fail('kv value missing');
  return { key: str(o, 'key', 1024), value: json(o['value']), version: int(o, 'version', 1) };
}

function snapshotMeta(v: unknown): SnapshotMeta {
  const o = obj(v, 'meta');
  const view = viewBody(obj(o['view'], 'view'));
  if (obj(o['view'], 'view')['k'] !== 'view') fail('meta.view');
  return {
    lastIndex: int(o, 'lastIndex'), lastTerm: int(o, 'lastTerm'), view, viewIndex: int(o, 'viewIndex'),
    sessions: arr(o, 'sessions', 1024).map((x) => {
      if (!Array.isArray(x) || x.length !== 3) fail('session');
      const [a, b, c] = x as unknown[];
      const s = { a, b, c };
      return [int(s, 'a', 1, NODEID_MAX), int(s, 'b'), int(s, 'c')] as const;
    }),
    kvCount: int(o, 'kvCount'),
  };
}

export function validateMessage(raw: unknown): Message {
  const o = obj(raw, 'message');
  const t = oneOf(o, 't', ['vote', 'voteResp', 'append', 'appendResp', 'snap', 'snapResp', 'beacon', 'join', 'fwd',
    'fwdResp', 'kill'] as const);
  const inc = int(o, 'inc');
  switch (t) {
    case 'vote':
      return { t, inc, term: int(o, 'term'), lastIndex: int(o, 'lastIndex'), lastTerm: int(o, 'lastTerm'), fresh: bool(o, 'fresh'),
        history: str(o, 'history', 64), base: int(o, 'base'), commit: int(o, 'commit') };
    case 'voteResp':
      return { t, inc, term: int(o, 'term'), granted: bool(o, 'granted'), fresh: bool(o, 'fresh'), better: bool(o, 'better'),
        commit: int(o, 'commit') };
    case 'append':
      return { t, inc, term: int(o, 'term'), prevIndex: int(o, 'prevIndex'), prevTerm: int(o, 'prevTerm'),
        entries: arr(o, 'entries', 256).map(logEntry), commit: int(o, 'commit'), ts: num(o, 'ts'),
        leaseEcho: num(o, 'leaseEcho'), leaseMs: int(o, 'leaseMs') };
    case 'appendResp':
      return { t, inc, term: int(o, 'term'), success: bool(o, 'success'), matchIndex: int(o, 'matchIndex'),
        echo: num(o, 'echo'), tsEcho: num(o, 'tsEcho') };
    case 'snap':
      return { t, inc, term: int(o, 'term'), meta: snapshotMeta(o['meta']), offset: int(o, 'offset'),
        kv: arr(o, 'kv', 256).map(kvEntry), done: bool(o, 'done'), ts: num(o, 'ts') };
    case 'snapResp':
      return { t, inc, term: int(o, 'term'), lastIndex: int(o, 'lastIndex'), nextOffset: int(o, 'nextOffset'),
        echo: num(o, 'echo'), tsEcho: num(o, 'tsEcho') };
    case 'beacon':
      return { t, inc, term: int(o, 'term'), generation: int(o, 'generation') };
    case 'join':
      return { t, inc, votes: int(o, 'votes', 0, 255), expectedVotes: int(o, 'expectedVotes', 0, 1 << 20) };
    case 'fwd':
      return { t, inc, seq: int(o, 'seq'), command: localCommand(o['command']) };
    case 'fwdResp':
      return { t, inc, seq: int(o, 'seq'), ok: bool(o, 'ok'), error: str(o, 'error', 512) };
    case 'kill':
      return { t, inc, victimInc: int(o, 'victimInc'), reason: oneOf(o, 'reason', ['killed', 'rejoin', 'left'] as const) };
  }
}
