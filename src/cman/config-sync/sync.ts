// Config propagation inside clusterd (cman_tool version -r, ccs_tool update / rollback): validate,
// distribute the file's exact bytes to every member, prepare everywhere, then activate everywhere
// or nowhere. See README.md in this folder for the protocol and why it is safe.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ClusterConfig, ConfigProblem, ParseResult } from '../../config/types.js';
import { diffConfig } from '../../config/diff.js';
import { calculateQuorum } from '../quorum.js';
import { getLogger, type Logger } from '../../log/index.js';
import { ApiError, type ApiServer } from '../../api/index.js';
import type { CcsHistory, CcsNodeResult, CcsUpdateResult } from '../../api/ccs.js';
import type { AppCommand, JsonValue, KvEntry, ViewInfo } from '../membership/index.js';
import type { CmanEvents } from '../daemon.js';
import { ConfigParserWorker } from '../config-worker.js';
import { CHUNK_BYTES, CONFIG_FRAME_TYPE, decodeChunkMessage, encodeChunkMessage } from './wire.js';
import { ConfigHistory, commitFile, sha256Hex, withConfigVersion, writeDurable } from './store.js';

export const PREP_KEY = 'cfg/prep';
export const RUN_KEY = 'cfg/run';
/** cluster.conf size limit (src/config's MAX_CONFIG_BYTES). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** How long the initiator waits for every member's prepare answer, and how often it asks again. */
const PREPARE_TIMEOUT_MS = 30_000;
const VOTE_RETRY_MS = 200;
/** Answers kept per node (to re-send on request). */
const MAX_KEPT_VOTES = 8;
/** Chunk requests in flight per transfer, retry period, and rounds without progress before giving up. */
const FETCH_WINDOW = 16;
const FETCH_RETRY_MS = 150;
const FETCH_MAX_IDLE_ROUNDS = 40;
/** Config byte blobs this node serves (running, staged, offered). */
const MAX_BLOBS = 6;
const MAX_ERROR_CHARS = 800;
/** Files up to this size are handed to the parser as text; bigger ones it reads from the file. */
const INLINE_PARSE_MAX_BYTES = 128 * 1024;
/**
 * The parser runs in a worker thread (the validator would otherwise stay in this isolate for the
 * daemon's life: cman/config-worker.ts); the worker stays up this long after its last parse, so the
 * several parses of one update (initiator, then every member's prepare) and a burst of updates
 * pay its start once.
 */
const PARSER_IDLE_MS = 30_000;
const PARSE_TIMEOUT_MS = 60_000;
const MAX_PENDING_PARSES = 8;

/**
 * Parse config bytes (already written to `file`). `label` is the name problems and the model carry
 * (the path the file is installed at); files too big to pass as text are read from `file`.
 */
function parseConfig(parser: ConfigParserWorker, bytes: Buffer, file: string, label = file): Promise<ParseResult> {
  if (bytes.length <= INLINE_PARSE_MAX_BYTES) return parser.parse(bytes.toString('utf8'), label);
  return parser.load(file);
}

/** A prepare: "every member in `members`: fetch `sha` from `src`, validate, stage, answer". */
export interface PrepRecord { id: string; v: number; sha: string; size: number; src: number; members: number[] }
/** The cluster's running config: committed = activate on every member. */
export interface RunRecord { id: string; v: number; sha: string; size: number; src: number }
/** A member's answer to prepare `id` (sent to the initiator in an authenticated frame, not logged). */
export interface VoteRecord { id: string; ok: boolean; error?: string }

/** What other modules do with a new config (registered by rgmanager, ...). */
export interface ConfigConsumer {
  readonly name: string;
  /** Can this node run it? A message refuses the update on this node (and so everywhere). */
  check?(config: ClusterConfig): string | undefined | Promise<string | undefined>;
  /** Dry run: what it would change (human lines). */
  plan?(config: ClusterConfig): string[] | Promise<string[]>;
  /** Take it. Must switch synchronously before its first await (later log entries assume the new config). */
  activate(config: ClusterConfig): Promise<unknown> | void;
}

export class ConfigHooks {
  readonly consumers: ConfigConsumer[] = [];
  register(c: ConfigConsumer): void { this.consumers.push(c); }
}

interface Staged { readonly id: string; readonly v: number; readonly sha: string; readonly tmp: string; readonly config: ClusterConfig; readonly bytes: Buffer }
interface Running { config: ClusterConfig; bytes: Buffer; sha: string }
interface Fetch { readonly sha: string; size: number; readonly chunks: Map<number, Buffer>; readonly requested: Set<number>; readonly waiters: ((b: Buffer | Error) => void)[]; timer: NodeJS.Timeout | undefined; sources: number[]; idleRounds: number }

const fmtProblem = (p: ConfigProblem): string => `${p.file}:${p.line}: ${p.where}: ${p.message}`;

/** What config sync needs of cman (CmanDaemon implements it; the unit test fakes it). */
export interface ConfigSyncPort {
  readonly events: { on<K extends keyof CmanEvents>(event: K, fn: (...args: CmanEvents[K]) => void): () => void };
  view(): ViewInfo;
  kv(): ReadonlyMap<string, KvEntry>;
  propose(command: AppCommand): Promise<void>;
  onAppFrame(msgType: number, fn: (from: number, payload: Buffer) => void): void;
  sendAppFrame(to: number, msgType: number, payload: Uint8Array): boolean;
  setRunningConfigVersion(version: number): void;
  leave(remove: boolean): Promise<void>;
}

export interface ConfigSyncOptions {
  readonly config: ClusterConfig;
  readonly configPath: string;
  readonly stateDir: string;
  readonly nodeid: number;
  readonly cman: ConfigSyncPort;
  readonly api: Pick<ApiServer, 'handle'>;
  readonly hooks: ConfigHooks;
}

export class ConfigSync {
  private readonly log: Logger;
  private running: Running;
  private readonly history: ConfigHistory;
  private readonly staged = new Map<string, Staged>();
  private readonly blobs = new Map<string, Buffer>();
  private readonly fetches = new Map<string, Fetch>();
  private readonly voteWaiters = new Map<string, () => void>();
  /** The initiator's collected answers for its own update. */
  private readonly votes = new Map<string, Map<number, VoteRecord>>();
  /** This node's answers (re-sent when the initiator asks). */
  private readonly myVotes = new Map<string, VoteRecord>();
  private readonly preparing = new Set<string>();
  private readonly offs: (() => void)[] = [];
  private syncing: string | undefined;
  private closed = false;
  private readonly parser = new ConfigParserWorker({ idleMs: PARSER_IDLE_MS, timeoutMs: PARSE_TIMEOUT_MS, maxPending: MAX_PENDING_PARSES });

  constructor(private readonly opts: ConfigSyncOptions) {
    this.log = getLogger('ccs', { node: opts.config.nodes.find((n) => n.nodeid === opts.nodeid)?.name ?? String(opts.nodeid) });
    const bytes = readFileSync(opts.configPath);
    this.running = { config: opts.config, bytes, sha: sha256Hex(bytes) };
    this.history = new ConfigHistory(opts.stateDir);
    try {
      if (this.history.read(opts.config.configVersion)?.equals(bytes) !== true) this.history.save(opts.config.configVersion, bytes);
    } catch (err) {
      // No history is no reason to stop the node: updates still work, history/rollback report the error.
      this.log.warn(`cannot keep config versions in ${opts.stateDir}: ${(err as Error).message}`);
    }
    this.remember(this.running.sha, bytes);
  }

  get runningVersion(): number { return this.running.config.configVersion; }

  start(): void {
    const { cman, api } = this.opts;
    cman.onAppFrame(CONFIG_FRAME_TYPE, (from, payload) => this.onFrame(from, payload));
    this.offs.push(cman.events.on('committed', ({ command, applied }) => {
      if (applied && command.key.startsWith('cfg/')) this.onKv(command.key, command.op === 'delete' ? undefined : cman.kv().get(command.key)?.value);
    }));
    this.offs.push(cman.events.on('snapshotInstalled', () => this.catchUp()));
    this.offs.push(cman.events.on('view', (v) => this.onView(v)));
    api.handle('ccs.update', (p) => this.update(p.file ?? this.opts.configPath, p.dryRun === true, p.expectVersion));
    api.handle('ccs.rollback', (p) => this.rollback(p.version, p.dryRun === true));
    api.handle('ccs.history', () => this.historyInfo());
    this.catchUp();
  }

  stop(): void {
    this.closed = true;
    for (const off of this.offs) off();
    for (const f of this.fetches.values()) { if (f.timer !== undefined) clearTimeout(f.timer); for (const w of f.waiters) w(new Error('stopping')); }
    this.fetches.clear();
    for (const s of this.staged.values()) rmSync(s.tmp, { force: true });
    void this.parser.close();
  }

  // --- replicated records ---------------------------------------------------------------------

  private kvGet<T>(key: string): T | undefined { return this.opts.cman.kv().get(key)?.value as T | undefined; }
  private propose(cmd: AppCommand): Promise<void> { return this.opts.cman.propose(cmd); }
  private nameOf(nodeid: number): string { return this.running.config.nodes.find((n) => n.nodeid === nodeid)?.name ?? `node${nodeid}`; }

  /** On start and after a snapshot: a prepare for us, or a newer running config. */
  private catchUp(): void {
    const run = this.kvGet<RunRecord>(RUN_KEY);
    if (run !== undefined) this.onRun(run);
    const prep = this.kvGet<PrepRecord>(PREP_KEY);
    if (prep !== undefined) this.onPrep(prep);
  }

  private onKv(key: string, value: JsonValue | undefined): void {
    if (key === PREP_KEY) {
      if (value !== undefined) this.onPrep(value as unknown as PrepRecord);
      else this.discardStaged();
    } else if (key === RUN_KEY && value !== undefined) {
      this.onRun(value as unknown as RunRecord);
    }
  }

  private onView(v: ViewInfo): void {
    // A member that left cannot answer: the initiator's wait re-checks who is still there.
    for (const w of this.voteWaiters.values()) w();
    // The first leader of a cluster publishes its config as the running one, so joiners compare.
    if (v.leader === this.opts.nodeid && v.quorate && this.kvGet(RUN_KEY) === undefined && this.kvGet(PREP_KEY) === undefined) {
      const r = this.running;
      const rec: RunRecord = { id: `boot-${this.opts.nodeid}`, v: r.config.configVersion, sha: r.sha, size: r.bytes.length, src: this.opts.nodeid };
      void this.propose({ op: 'cas', key: RUN_KEY, ifVersion: 0, value: rec as unknown as JsonValue }).catch(() => undefined);
    }
  }

  private discardStaged(): void {
    for (const [id, s] of this.staged) {
      this.staged.delete(id);
      rmSync(s.tmp, { force: true });
      if (s.sha !== this.running.sha) this.log.notice(`config version ${s.v} not activated (update ${id} aborted); staged copy removed`);
    }
  }

  private onPrep(p: PrepRecord): void {
    // A newer prepare replaces an abandoned one (its initiator died): drop what was staged for it.
    for (const [id, st] of this.staged) if (id !== p.id) { this.staged.delete(id); rmSync(st.tmp, { force: true }); }
    if (!p.members.includes(this.opts.nodeid) || this.staged.has(p.id) || this.preparing.has(p.id) || this.myVotes.has(p.id)) return;
    this.preparing.add(p.id);
    const t0 = performance.now();
    this.log.debug(`prepare of config version ${p.v} (update ${p.id}) committed`);
    void this.prepare(p).catch((err: Error) => err.message).then((error) => {
      this.preparing.delete(p.id);
      this.log.debug(`prepare of config version ${p.v} done in ${(performance.now() - t0).toFixed(1)} ms`);
      const vote: VoteRecord = error === undefined ? { id: p.id, ok: true } : { id: p.id, ok: false, error: error.slice(0, MAX_ERROR_CHARS) };
      if (error !== undefined) this.log.warn(`cannot take config version ${p.v}: ${error}`, { reason: 'config update' });
      this.myVotes.set(p.id, vote);
      while (this.myVotes.size > MAX_KEPT_VOTES) this.myVotes.delete(this.myVotes.keys().next().value!);
      this.sendVote(p.src, vote);
    });
  }

  /** Fetch, verify, stage (write + fsync) and validate a prepared config. Returns an error text, or undefined when staged. */
  private async prepare(p: PrepRecord): Promise<string | undefined> {
    let bytes: Buffer;
    try {
      bytes = await this.obtain(p.sha, p.size, [p.src]);
    } catch (err) {
      return `could not fetch the file from ${this.nameOf(p.src)}: ${(err as Error).message}`;
    }
    const tmp = `${this.opts.configPath}.new-${p.id}`;
    const t1 = performance.now();
    const r = await this.validateBytes(bytes, tmp, p.v);
    this.log.debug(`config version ${p.v}: validated in ${(performance.now() - t1).toFixed(1)} ms`);
    if ('error' in r) { rmSync(tmp, { force: true }); return r.error; }
    if (this.kvGet<PrepRecord>(PREP_KEY)?.id !== p.id) { rmSync(tmp, { force: true }); return 'update no longer in progress'; }
    this.staged.set(p.id, { id: p.id, v: p.v, sha: p.sha, tmp, config: r.config, bytes });
    this.log.info(`config version ${p.v} staged in ${tmp} (${bytes.length} bytes)`);
    return undefined;
  }

  /** Write bytes durably to `tmp`, parse them there and check this node can run them. */
  private async validateBytes(bytes: Buffer, tmp: string, version: number): Promise<{ config: ClusterConfig } | { error: string }> {
    try { writeDurable(tmp, bytes); } catch (err) { return { error: `cannot write ${tmp}: ${(err as Error).message}` }; }
    let parsed: ParseResult;
    try { parsed = await parseConfig(this.parser, bytes, tmp, this.opts.configPath); } catch (err) { return { error: (err as Error).message }; }
    return this.checkParsed(parsed, version);
  }

  private async checkParsed(parsed: ParseResult, version: number | undefined): Promise<{ config: ClusterConfig } | { error: string }> {
    const errors = parsed.problems.filter((x) => x.severity === 'error');
    if (parsed.config === undefined || errors.length > 0) return { error: `configuration is not valid: ${errors.slice(0, 5).map(fmtProblem).join('; ')}` };
    const c = parsed.config;
    if (version !== undefined && c.configVersion !== version) return { error: `file has config_version ${c.configVersion}, expected ${version}` };
    if (c.name !== this.running.config.name) return { error: `cluster name "${c.name}" differs from the running cluster "${this.running.config.name}" (a rename needs a full restart)` };
    const me = this.running.config.nodes.find((n) => n.nodeid === this.opts.nodeid)!;
    if (!c.nodes.some((n) => n.nodeid === me.nodeid && n.name === me.name)) return { error: `node ${me.name} (nodeid ${me.nodeid}) is not in the new config` };
    for (const h of this.opts.hooks.consumers) {
      const e = await h.check?.(c);
      if (e !== undefined) return { error: `${h.name}: ${e}` };
    }
    return { config: c };
  }

  private onRun(run: RunRecord): void {
    if (this.closed) return;
    const cur = this.running.config.configVersion;
    if (run.sha === this.running.sha) return;
    const st = this.staged.get(run.id);
    if (st !== undefined && st.sha === run.sha) { this.activate(st); return; }
    if (run.v > cur) { void this.syncFrom(run); return; }
    if (run.v < cur) this.log.warn(`this node's config version ${cur} is newer than the cluster's ${run.v}; run cman_tool version -r to propagate it`);
    else this.log.error(`this node's config version ${cur} differs from the cluster's file of the same version (sha256 ${run.sha.slice(0, 12)})`);
  }

  /** A member (or joiner) that missed the prepare: fetch the cluster's config and take it, or leave. */
  private async syncFrom(run: RunRecord): Promise<void> {
    if (this.syncing === run.sha) return;
    this.syncing = run.sha;
    try {
      const view = this.opts.cman.view();
      const sources = [run.src, ...view.members.map((m) => m.nodeid).filter((id) => id !== run.src && id !== this.opts.nodeid)];
      this.log.notice(`cluster runs config version ${run.v}, this node ${this.running.config.configVersion}: fetching it`);
      let bytes: Buffer;
      try { bytes = await this.obtain(run.sha, run.size, sources); } catch (err) {
        this.log.error(`cannot fetch config version ${run.v}: ${(err as Error).message}`);
        return;
      }
      const tmp = `${this.opts.configPath}.new-${run.id}`;
      const r = await this.validateBytes(bytes, tmp, run.v);
      if (this.kvGet<RunRecord>(RUN_KEY)?.sha !== run.sha) { rmSync(tmp, { force: true }); return; }
      if ('error' in r) {
        rmSync(tmp, { force: true });
        // cman: a node that cannot load the cluster's config does not take part.
        this.log.error(`cannot load the cluster's config version ${run.v}: ${r.error}; leaving the cluster`, { reason: 'config' });
        void this.opts.cman.leave(false);
        return;
      }
      this.activate({ id: run.id, v: run.v, sha: run.sha, tmp, config: r.config, bytes });
    } finally {
      if (this.syncing === run.sha) this.syncing = undefined;
    }
  }

  /** Rename the staged file into place, keep it in the history, switch every module. Synchronous up to the modules' first await. */
  private activate(st: Staged): void {
    const from = this.running.config;
    try {
      commitFile(st.tmp, this.opts.configPath);
    } catch (err) {
      this.log.error(`cannot install config version ${st.v} at ${this.opts.configPath}: ${(err as Error).message}`);
    }
    this.staged.delete(st.id);
    this.running = { config: st.config, bytes: st.bytes, sha: st.sha };
    this.remember(st.sha, st.bytes);
    this.opts.cman.setRunningConfigVersion(st.v);
    const d = diffConfig(from, st.config);
    this.log.notice(`config version ${st.v} activated (was ${from.configVersion}): ${d.changes.length} change(s)`, { reason: 'config update' });
    for (const h of this.opts.hooks.consumers) {
      try {
        void Promise.resolve(h.activate(st.config)).catch((err: Error) => this.log.error(`${h.name}: reconfiguration failed: ${err.message}`));
      } catch (err) {
        this.log.error(`${h.name}: reconfiguration failed: ${(err as Error).message}`);
      }
    }
    try { this.history.save(st.v, st.bytes); } catch (err) { this.log.warn(`cannot keep version ${st.v} in ${this.history.dir}: ${(err as Error).message}`); }
  }

  // --- the initiator ----------------------------------------------------------------------------

  private async update(file: string, dryRun: boolean, expectVersion?: number): Promise<CcsUpdateResult> {
    if (typeof file !== 'string' || !path.isAbsolute(file)) throw new ApiError('EINVAL', 'file must be an absolute path');
    let bytes: Buffer;
    try { bytes = readFileSync(file); } catch (err) { throw new ApiError('ENOENT', `cannot read ${file}: ${(err as Error).message}`); }
    if (bytes.length > MAX_FILE_BYTES) throw new ApiError('EINVAL', `${file} is larger than ${MAX_FILE_BYTES} bytes`);
    let parsed: ParseResult;
    try { parsed = await parseConfig(this.parser, bytes, file); } catch (err) { throw new ApiError('EINVAL', `${file}: ${(err as Error).message}`); }
    if (expectVersion !== undefined && parsed.config !== undefined && parsed.config.configVersion !== expectVersion) {
      throw new ApiError('EINVAL', `Not reloading: ${file} has config_version ${parsed.config.configVersion}, not the requested ${expectVersion}`);
    }
    return this.propagate(bytes, parsed, file, dryRun);
  }

  private async rollback(version: number, dryRun: boolean): Promise<CcsUpdateResult> {
    if (!Number.isInteger(version) || version < 0) throw new ApiError('EINVAL', 'version must be a non-negative integer');
    const old = this.history.read(version);
    if (old === undefined) throw new ApiError('ENOENT', `version ${version} is not kept on this node (see ccs_tool history)`);
    const next = this.clusterVersion() + 1;
    const text = withConfigVersion(old.toString('utf8'), next);
    if (text === undefined) throw new ApiError('EINVAL', `version ${version} has no config_version attribute to raise`);
    const bytes = Buffer.from(text, 'utf8');
    const tmp = path.join(this.history.dir, `rollback-${version}-to-${next}.conf`);
    writeDurable(tmp, bytes);
    try {
      let parsed: ParseResult;
      try { parsed = await parseConfig(this.parser, bytes, tmp); } catch (err) { throw new ApiError('EINVAL', (err as Error).message); }
      const r = await this.propagate(bytes, parsed, `version ${version} as ${next}`, dryRun);
      return { ...r, message: `rollback to the content of version ${version}: ${r.message}` };
    } finally { rmSync(tmp, { force: true }); }
  }

  private clusterVersion(): number {
    return Math.max(this.running.config.configVersion, this.kvGet<RunRecord>(RUN_KEY)?.v ?? 0);
  }

  private async propagate(bytes: Buffer, parsed: ParseResult, source: string, dryRun: boolean): Promise<CcsUpdateResult> {
    const errors = parsed.problems.filter((x) => x.severity === 'error');
    if (parsed.config === undefined || errors.length > 0) {
      throw new ApiError('EINVAL', `Not reloading, configuration is not valid:\n${errors.map(fmtProblem).join('\n')}`);
    }
    const running = this.clusterVersion();
    const v = parsed.config.configVersion;
    if (v <= running) {
      throw new ApiError('EINVAL', `Not reloading, config version older or equal the running config: ${source} has config_version ${v}, the cluster runs version ${running}`);
    }
    const checked = await this.checkParsed(parsed, undefined);
    if ('error' in checked) throw new ApiError('EINVAL', `Not reloading: ${checked.error}`);
    const sha = sha256Hex(bytes);
    const changes = await this.describe(checked.config);
    const base = { fromVersion: running, toVersion: v, changes, sha256: sha, bytes: bytes.length };
    if (dryRun) return { ...base, dryRun: true, activated: false, nodes: [], message: `dry run: version ${running} -> ${v}, nothing changed` };

    const view = this.opts.cman.view();
    if (!view.quorate) throw new ApiError('EAGAIN', 'Not reloading, this node is not quorate');
    const busy = this.opts.cman.kv().get(PREP_KEY);
    const busyRec = busy?.value as unknown as PrepRecord | undefined;
    const finished = busyRec !== undefined && this.kvGet<RunRecord>(RUN_KEY)?.id === busyRec.id;
    if (busyRec !== undefined && !finished && view.members.some((m) => m.nodeid === busyRec.src)) {
      throw new ApiError('EBUSY', `another update (version ${busyRec.v} from ${this.nameOf(busyRec.src)}) is in progress`);
    }
    const id = `${this.opts.nodeid}-${Date.now().toString(36)}`;
    const members = view.members.map((m) => m.nodeid).sort((a, b) => a - b);
    this.remember(sha, bytes);
    this.votes.set(id, new Map());
    const prep: PrepRecord = { id, v, sha, size: bytes.length, src: this.opts.nodeid, members };
    this.log.notice(`propagating config version ${v} (${bytes.length} bytes, sha256 ${sha.slice(0, 12)}) to ${members.map((m) => this.nameOf(m)).join(', ')}`, { reason: 'config update' });
    try {
      await this.propose({ op: 'cas', key: PREP_KEY, ifVersion: busy?.version ?? 0, value: prep as unknown as JsonValue });
    } catch (err) {
      this.votes.delete(id);
      throw new ApiError('EBUSY', `cannot start the update: ${(err as Error).message}`);
    }
    const nodes = await this.collectVotes(prep);
    const allOk = nodes.some((n) => n.ok) && nodes.every((n) => n.ok || n.left === true);
    let activated = false;
    try {
      if (allOk) {
        const run: RunRecord = { id, v, sha, size: bytes.length, src: this.opts.nodeid };
        await this.propose({ op: 'put', key: RUN_KEY, value: run as unknown as JsonValue });
        activated = true;
      }
    } finally {
      // Abort (or end) the prepare: staged copies that were not activated are removed everywhere.
      await this.propose({ op: 'cas', key: PREP_KEY, ifVersion: this.opts.cman.kv().get(PREP_KEY)?.version ?? 0, value: undefined }).catch(() => undefined);
    }
    const refused = nodes.filter((n) => !n.ok && n.left !== true);
    const message = activated
      ? `config version ${v} activated on ${nodes.filter((n) => n.ok).map((n) => n.name).join(', ')}`
      : `Not reloading: config version ${v} refused by ${refused.map((n) => `${n.name} (${n.error ?? 'no answer'})`).join('; ')}; nothing was activated`;
    this.log[activated ? 'notice' : 'warn'](message, { reason: 'config update' });
    return { ...base, dryRun: false, activated, nodes, message };
  }

  /** Wait until every member of the prepare answered (members that left the view answer "left"). */
  private collectVotes(p: PrepRecord): Promise<CcsNodeResult[]> {
    return new Promise((resolve) => {
      const result = (final: boolean): CcsNodeResult[] | undefined => {
        const members = new Set(this.opts.cman.view().members.map((m) => m.nodeid));
        const out: CcsNodeResult[] = [];
        for (const id of p.members) {
          const vote = this.votes.get(p.id)?.get(id);
          const name = this.nameOf(id);
          if (vote !== undefined) out.push({ name, nodeid: id, ok: vote.ok, ...(vote.error !== undefined ? { error: vote.error } : {}) });
          else if (!members.has(id)) out.push({ name, nodeid: id, ok: false, left: true, error: 'left the cluster during the update; it takes the new config when it rejoins' });
          else if (final) out.push({ name, nodeid: id, ok: false, error: `no answer within ${PREPARE_TIMEOUT_MS} ms` });
          else return undefined;
        }
        return out;
      };
      const done = (r: CcsNodeResult[]) => { clearTimeout(timer); clearInterval(ask); this.voteWaiters.delete(p.id); this.votes.delete(p.id); resolve(r); };
      const timer = setTimeout(() => done(result(true)!), PREPARE_TIMEOUT_MS);
      // Answers travel in single frames: ask again those that have not answered (lost, or still preparing).
      const ask = setInterval(() => {
        const got = this.votes.get(p.id);
        for (const id of p.members) if (id !== this.opts.nodeid && got?.has(id) !== true) this.opts.cman.sendAppFrame(id, CONFIG_FRAME_TYPE, encodeChunkMessage({ t: 'vq', id: p.id }));
      }, VOTE_RETRY_MS);
      this.voteWaiters.set(p.id, () => { const r = result(false); if (r !== undefined) done(r); });
      const early = result(false);
      if (early !== undefined) done(early);
    });
  }

  /** Dry-run lines: config_version, nodes/votes/quorum, fencing and other config changes, then per service (the consumers' plans). */
  private async describe(next: ClusterConfig): Promise<string[]> {
    const cur = this.running.config;
    const d = diffConfig(cur, next);
    const q = (c: ClusterConfig) => calculateQuorum({
      memberVotes: c.nodes.map((n) => n.votes), memberExpectedVotes: c.nodes.map(() => c.cman.expectedVotes),
      qdiskVotes: c.quorumd?.votes ?? 0, twoNode: c.cman.twoNode, previousQuorum: 0, allowDecrease: true,
    });
    const qa = q(cur);
    const qb = q(next);
    const lines = [`config_version ${cur.configVersion} -> ${next.configVersion}`,
      `nodes ${cur.nodes.length} -> ${next.nodes.length}, total votes ${qa.totalVotes} -> ${qb.totalVotes}, expected votes ${qa.expectedVotes} -> ${qb.expectedVotes}, quorum ${qa.quorum} -> ${qb.quorum}`];
    for (const c of d.changes) if (c.area !== 'version') lines.push(c.what);
    if (d.changes.some((c) => ['node', 'cman', 'totem', 'quorumd'].includes(c.area))) {
      lines.push('note: node, votes, totem and quorum-disk changes are written now and take effect when cman restarts on each node');
    }
    for (const h of this.opts.hooks.consumers) {
      const p = await h.plan?.(next);
      if (p !== undefined && p.length > 0) lines.push(`${h.name}:`, ...p);
    }
    return lines;
  }

  private historyInfo(): CcsHistory {
    const run = this.kvGet<RunRecord>(RUN_KEY);
    return {
      runningVersion: this.running.config.configVersion,
      clusterVersion: run?.v ?? null,
      directory: this.history.dir,
      entries: this.history.list().map((h) => ({ version: h.version, sha256: h.sha256, bytes: h.bytes, savedMs: h.savedMs, running: h.sha256 === this.running.sha })),
    };
  }

  private sendVote(to: number, vote: VoteRecord): void {
    if (to === this.opts.nodeid) {
      const got = this.votes.get(vote.id);
      if (got !== undefined) { got.set(to, vote); this.voteWaiters.get(vote.id)?.(); }
      return;
    }
    this.opts.cman.sendAppFrame(to, CONFIG_FRAME_TYPE, encodeChunkMessage({ t: 'vote', ...vote }));
  }

  // --- byte transfer ---------------------------------------------------------------------------

  private remember(sha: string, bytes: Buffer): void {
    this.blobs.delete(sha);
    this.blobs.set(sha, bytes);
    while (this.blobs.size > MAX_BLOBS) this.blobs.delete(this.blobs.keys().next().value!);
  }

  private onFrame(from: number, payload: Buffer): void {
    const m = decodeChunkMessage(payload);
    if (m === undefined) throw new Error('malformed config frame');
    if (m.t === 'vote') {
      const got = this.votes.get(m.id);
      if (got === undefined) return;
      got.set(from, { id: m.id, ok: m.ok, ...(m.error !== undefined ? { error: m.error } : {}) });
      this.voteWaiters.get(m.id)?.();
      return;
    }
    if (m.t === 'vq') {
      const v = this.myVotes.get(m.id);
      if (v !== undefined) this.sendVote(from, v);
      return;
    }
    if (m.t === 'get') {
      const b = this.blobs.get(m.sha) ?? [...this.staged.values()].find((s) => s.sha === m.sha)?.bytes;
      const reply = b === undefined || m.off > b.length ? { t: 'none' as const, sha: m.sha }
        : { t: 'dat' as const, sha: m.sha, off: m.off, total: b.length, data: b.subarray(m.off, Math.min(b.length, m.off + CHUNK_BYTES)) };
      this.opts.cman.sendAppFrame(from, CONFIG_FRAME_TYPE, encodeChunkMessage(reply));
      return;
    }
    const f = this.fetches.get(m.sha);
    if (f === undefined) return;
    if (m.t === 'none') {
      f.sources = f.sources.filter((s) => s !== from);
      if (f.sources.length === 0) this.finishFetch(f, new Error(`no member holds the file (sha256 ${m.sha.slice(0, 12)})`));
      return;
    }
    if (m.total !== f.size || m.off % CHUNK_BYTES !== 0) return;
    if (!f.chunks.has(m.off)) { f.chunks.set(m.off, m.data); f.idleRounds = 0; }
    this.pump(f);
  }

  /** The bytes with this sha256: from memory, or pulled from `sources` in chunks. */
  private obtain(sha: string, size: number, sources: number[]): Promise<Buffer> {
    const have = this.blobs.get(sha);
    if (have !== undefined) return Promise.resolve(have);
    if (size > MAX_FILE_BYTES) return Promise.reject(new Error(`announced size ${size} exceeds ${MAX_FILE_BYTES} bytes`));
    return new Promise((resolve, reject) => {
      let f = this.fetches.get(sha);
      if (f === undefined) {
        f = { sha, size, chunks: new Map(), requested: new Set(), waiters: [], timer: undefined, sources: sources.filter((s) => s !== this.opts.nodeid), idleRounds: 0 };
        if (f.sources.length === 0) { reject(new Error('no source to fetch from')); return; }
        this.fetches.set(sha, f);
        this.pump(f);
      }
      f.waiters.push((b) => (b instanceof Error ? reject(b) : resolve(b)));
    });
  }

  private finishFetch(f: Fetch, r: Buffer | Error): void {
    if (f.timer !== undefined) clearTimeout(f.timer);
    this.fetches.delete(f.sha);
    for (const w of f.waiters) w(r);
  }

  /** Request missing chunks (a window at a time); complete, verify, or retry on a timer. */
  private pump(f: Fetch, retry = false): void {
    const total = Math.max(1, Math.ceil(f.size / CHUNK_BYTES));
    if (f.chunks.size >= total || (f.size === 0)) {
      const bytes = Buffer.concat([...f.chunks.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b));
      if (bytes.length !== f.size || sha256Hex(bytes) !== f.sha) { this.finishFetch(f, new Error('received bytes do not match the announced sha256')); return; }
      this.remember(f.sha, bytes);
      this.finishFetch(f, bytes);
      return;
    }
    if (retry) for (const off of [...f.requested]) if (!f.chunks.has(off)) f.requested.delete(off);
    let inFlight = 0;
    for (const off of f.requested) if (!f.chunks.has(off)) inFlight += 1;
    for (let i = 0; i < total && inFlight < FETCH_WINDOW; i++) {
      const off = i * CHUNK_BYTES;
      if (f.chunks.has(off) || f.requested.has(off)) continue;
      const src = f.sources[(i + f.idleRounds) % f.sources.length]!;
      this.opts.cman.sendAppFrame(src, CONFIG_FRAME_TYPE, encodeChunkMessage({ t: 'get', sha: f.sha, off }));
      f.requested.add(off);
      inFlight += 1;
    }
    if (f.timer !== undefined) clearTimeout(f.timer);
    f.timer = setTimeout(() => {
      f.idleRounds += 1;
      if (f.idleRounds > FETCH_MAX_IDLE_ROUNDS) { this.finishFetch(f, new Error(`transfer stalled (${f.chunks.size}/${total} chunks)`)); return; }
      this.pump(f, true);
    }, FETCH_RETRY_MS);
  }
}

/** The node's state directory (kept config versions): $CLUSTER_STATE_DIR, else <run dir>/state for a private run dir, else /var/lib/cluster. */
export function stateDirFor(runDir: string): string {
  const env = process.env['CLUSTER_STATE_DIR'];
  if (env !== undefined && env !== '') return env;
  return path.resolve(runDir) === '/var/run/cluster' || path.resolve(runDir) === '/run/cluster' ? '/var/lib/cluster' : path.join(runDir, 'state');
}

