// Conga users: name, role and an scrypt password hash. The records live in the cluster's
// replicated key/value log (key `conga/user/<name>`), so a password set on one node works on every
// node; each node also mirrors them to <stateDir>/users.json so they survive a whole-cluster
// restart (the mirror seeds the log again once the cluster is quorate and has none).
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}
/** True when `have` is at least `need`. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export interface UserRecord {
  readonly name: string;
  readonly role: Role;
  /** `scrypt$N$r$p$salt$hash` (base64). */
  readonly hash: string;
  readonly changedMs: number;
}

export const USER_KEY_PREFIX = 'conga/user/';
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;
export const MAX_PASSWORD_BYTES = 1024;
export const MIN_PASSWORD_CHARS = 8;
/** Most users kept (a bound on the table every node holds). */
export const MAX_USERS = 1000;

export function checkUserName(name: string): string | undefined {
  return USER_NAME.test(name) ? undefined : `user name '${name.slice(0, 80)}' is not valid (letters, digits, _ . @ -, at most 64)`;
}
export function checkPassword(pw: string): string | undefined {
  if (pw.length < MIN_PASSWORD_CHARS) return `password too short (at least ${MIN_PASSWORD_CHARS} characters)`;
  if (Buffer.byteLength(pw) > MAX_PASSWORD_BYTES) return `password too long (at most ${MAX_PASSWORD_BYTES} bytes)`;
  return undefined;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 32 };

function scrypt(pw: string, salt: Buffer, N: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(pw, salt, keyLen, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(pw: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(pw, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

/** Constant-ish time check; an unknown user (hash undefined) costs the same scrypt run. */
export async function verifyPassword(pw: string, hash: string | undefined): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash ?? DUMMY_HASH);
  if (m === null || Buffer.byteLength(pw) > MAX_PASSWORD_BYTES) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N > 1 << 20 || r > 32 || p > 16) return false;
  const want = Buffer.from(m[5]!, 'base64');
  const got = await scrypt(pw, Buffer.from(m[4]!, 'base64'), N, r, p, want.length);
  return hash !== undefined && got.length === want.length && timingSafeEqual(got, want);
}

/** Validate a value read from the replicated log or the mirror file. */
export function toUserRecord(name: string, v: unknown): UserRecord | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (!isRole(o['role']) || typeof o['hash'] !== 'string' || checkUserName(name) !== undefined) return undefined;
  return { name, role: o['role'], hash: o['hash'], changedMs: typeof o['changedMs'] === 'number' ? o['changedMs'] : 0 };
}

/** What the cluster offers for replication (cman's replicated key/value log). */
export interface UserReplica {
  /** Current user records by name (from the replicated state). */
  list(): UserRecord[];
  /** Write (or delete with undefined) one user; resolves once committed cluster-wide. */
  write(name: string, rec: Omit<UserRecord, 'name'> | undefined): Promise<void>;
  /** Called after every change of the replicated users. */
  onChange(fn: () => void): void;
  /** True when writes can be committed now (quorate). */
  writable(): boolean;
}

/** The node's view of the users: the replicated table, or the local mirror while it is empty. */
export class UserStore {
  private readonly mirrorFile: string;
  private mirror = new Map<string, UserRecord>();
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly replica: UserReplica, stateDir: string) {
    this.mirrorFile = path.join(stateDir, 'users.json');
    this.mirror = readMirror(this.mirrorFile);
    replica.onChange(() => this.onReplicaChange());
  }

  /** Users as this node knows them now. */
  all(): Map<string, UserRecord> {
    const rep = this.replica.list();
    if (rep.length > 0) return new Map(rep.map((u) => [u.name, u]));
    return new Map(this.mirror);
  }

  get(name: string): UserRecord | undefined {
    return this.all().get(name);
  }

  async set(name: string, role: Role, password: string): Promise<UserRecord> {
    const bad = checkUserName(name) ?? checkPassword(password);
    if (bad !== undefined) throw new UserError('EINVAL', bad);
    if (!this.all().has(name) && this.all().size >= MAX_USERS) throw new UserError('ENOSPC', `at most ${MAX_USERS} users`);
    if (!this.replica.writable()) throw new UserError('EAGAIN', 'the cluster is not quorate; users are kept in the replicated state and cannot change now');
    const rec = { role, hash: await hashPassword(password), changedMs: Date.now() };
    await this.replica.write(name, rec);
    return { name, ...rec };
  }

  async setRole(name: string, role: Role): Promise<void> {
    const u = this.get(name);
    if (u === undefined) throw new UserError('ENOENT', `no user ${name}`);
    if (!this.replica.writable()) throw new UserError('EAGAIN', 'the cluster is not quorate');
    await this.replica.write(name, { role, hash: u.hash, changedMs: Date.now() });
  }

  async remove(name: string): Promise<void> {
    if (this.get(name) === undefined) throw new UserError('ENOENT', `no user ${name}`);
    if (!this.replica.writable()) throw new UserError('EAGAIN', 'the cluster is not quorate');
    await this.replica.write(name, undefined);
  }

  /** Seed the replicated table from the mirror when the cluster has none (after a full restart). */
  async seedIfEmpty(): Promise<number> {
    if (!this.replica.writable() || this.replica.list().length > 0 || this.mirror.size === 0) return 0;
    let n = 0;
    for (const u of this.mirror.values()) {
      if (this.replica.list().some((r) => r.name === u.name)) continue;
      await this.replica.write(u.name, { role: u.role, hash: u.hash, changedMs: u.changedMs });
      n++;
    }
    return n;
  }

  private onReplicaChange(): void {
    const rep = this.replica.list();
    if (rep.length === 0) return; // never wipe the mirror from an empty (fresh) table
    this.mirror = new Map(rep.map((u) => [u.name, u]));
    const doc = Object.fromEntries([...this.mirror.values()].map((u) => [u.name, { role: u.role, hash: u.hash, changedMs: u.changedMs }]));
    const file = this.mirrorFile;
    this.writing = this.writing.then(async () => {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.tmp`;
      await writeFile(tmp, JSON.stringify(doc, null, 1) + '\n', { mode: 0o600 });
      await rename(tmp, file);
    }).catch(() => undefined);
  }

  /** Resolves when the mirror file is written (tests). */
  flushed(): Promise<void> { return this.writing; }
}

export class UserError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

function readMirror(file: string): Map<string, UserRecord> {
  const m = new Map<string, UserRecord>();
  if (!existsSync(file)) return m;
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const [name, v] of Object.entries(doc)) {
      const u = toUserRecord(name, v);
      if (u !== undefined && m.size < MAX_USERS) m.set(name, u);
    }
  } catch { /* a damaged mirror is ignored; the replicated table is the truth */ }
  return m;
}
