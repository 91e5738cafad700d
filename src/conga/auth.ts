// Sessions, CSRF tokens and the login rate limiter. Both tables are bounded; time comes in as
// nowMs so the rules are testable without waiting.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './users.js';

export interface Session {
  readonly id: string;
  readonly user: string;
  /** Role at login; the server re-reads the user's current role on every request. */
  readonly role: Role;
  readonly csrf: string;
  readonly createdMs: number;
  lastUsedMs: number;
}

export interface SessionLimits {
  readonly maxSessions: number;
  readonly idleMs: number;
  readonly absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 2000, idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

const token = () => randomBytes(32).toString('base64url');

export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  constructor(private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS) {}

  create(user: string, role: Role, nowMs: number): Session {
    this.expire(nowMs);
    while (this.sessions.size >= this.limits.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    const s: Session = { id: token(), user, role, csrf: token(), createdMs: nowMs, lastUsedMs: nowMs };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session for this cookie value (touching it), or undefined. */
  get(id: string | undefined, nowMs: number): Session | undefined {
    if (id === undefined || id.length !== 43) return undefined;
    const s = this.sessions.get(id);
    if (s === undefined) return undefined;
    if (nowMs - s.lastUsedMs > this.limits.idleMs || nowMs - s.createdMs > this.limits.absoluteMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastUsedMs = nowMs;
    // keep LRU order: most recently used last
    this.sessions.delete(id);
    this.sessions.set(id, s);
    return s;
  }

  delete(id: string): void { this.sessions.delete(id); }

  /** Drop every session of a user (password change, deletion). */
  dropUser(user: string): void {
    for (const [id, s] of this.sessions) if (s.user === user) this.sessions.delete(id);
  }

  get size(): number { return this.sessions.size; }

  private expire(nowMs: number): void {
    for (const [id, s] of this.sessions) {
      if (nowMs - s.lastUsedMs > this.limits.idleMs || nowMs - s.createdMs > this.limits.absoluteMs) this.sessions.delete(id);
    }
  }
}

export function csrfMatches(session: Session, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface RateLimits {
  /** Failed logins allowed per key within windowMs before it is locked. */
  readonly freeFailures: number;
  readonly windowMs: number;
  /** First lock; doubles with each further failure, up to maxLockMs. */
  readonly lockMs: number;
  readonly maxLockMs: number;
  /** Most keys tracked (oldest dropped first). */
  readonly maxEntries: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { freeFailures: 5, windowMs: 15 * 60_000, lockMs: 30_000, maxLockMs: 15 * 60_000, maxEntries: 10_000 };

interface Entry { failures: number; firstMs: number; lockedUntilMs: number }

/**
 * Failed-login counter per key ("ip:1.2.3.4", "user:alice"). A locked key is refused even with the
 * right password, so guessing costs time whatever the guesses are.
 */
export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly limits: RateLimits = DEFAULT_RATE_LIMITS) {}

  /** Milliseconds until `key` may try again (0 = now). */
  retryAfterMs(key: string, nowMs: number): number {
    const e = this.entries.get(key);
    if (e === undefined) return 0;
    return Math.max(0, e.lockedUntilMs - nowMs);
  }

  failure(key: string, nowMs: number): void {
    let e = this.entries.get(key);
    if (e === undefined || (nowMs - e.firstMs > this.limits.windowMs && e.lockedUntilMs <= nowMs)) {
      e = { failures: 0, firstMs: nowMs, lockedUntilMs: 0 };
    }
    this.entries.delete(key);
    e.failures += 1;
    if (e.failures >= this.limits.freeFailures) {
      const extra = e.failures - this.limits.freeFailures;
      const lock = Math.min(this.limits.maxLockMs, this.limits.lockMs * 2 ** Math.min(extra, 20));
      e.lockedUntilMs = nowMs + lock;
    }
    this.entries.set(key, e);
    while (this.entries.size > this.limits.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  success(key: string): void { this.entries.delete(key); }

  get size(): number { return this.entries.size; }
}
