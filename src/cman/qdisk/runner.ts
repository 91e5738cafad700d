// The qdisk edge: every interval, read the disk, run the pure core, write the results, and tell
// the daemon (poll / votes / kill / stop). Heuristics run as child processes beside it.
import { randomInt } from 'node:crypto';
import type { QuorumdConfig } from '../../config/types.js';
import type { QdiskDiag } from '../../api/cman.js';
import { exitBlock, initQdiskCore, qdiskCycle, type QdiskCoreState } from './core.js';
import { QdiskDevice, findByLabel } from './device.js';
import { HeuristicRunner } from './heuristics.js';
import { DISK_STATE_NAMES, maskToIds, DiskState, type StatusBlock } from './layout.js';

export interface QdiskHooks {
  /** Current cman members (nodeids) as this node sees them. */
  readonly cmanMembers: () => readonly number[];
  /** cman_poll_quorum_device(1): this cycle grants the qdisk votes to this node. */
  readonly poll: (votes: number) => void;
  /** cman_kill_node(nodeid) (master evicting a node). */
  readonly kill: (nodeid: number) => void;
  /** The node must stop (evicted, or score lost with reboot=1). */
  readonly stop: (reason: string) => void;
  readonly log: (level: 'info' | 'warn' | 'notice', msg: string) => void;
}

export class QdiskRunner {
  private device: QdiskDevice | undefined;
  private st: QdiskCoreState;
  private readonly heuristics: HeuristicRunner;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private lastBlocks: (StatusBlock | undefined)[] = [];
  private lastPoll = false;
  private cycles = 0;
  private ioErrors = 0;
  private consecutiveIoErrors = 0;
  private lastWriteOkMs = Date.now();
  private devicePath = '';
  private score = { score: 0, scoreMax: 0 };

  constructor(private readonly cfg: QuorumdConfig, private readonly nodeid: number, private readonly hooks: QdiskHooks) {
    this.st = initQdiskCore({
      nodeid, incarnation: randomInt(1, 0xffffffff), tko: cfg.tko, tkoUp: cfg.tkoUp, upgradeWait: cfg.upgradeWait,
      masterWait: cfg.masterWait, votes: cfg.votes, masterWins: cfg.masterWins, allowKill: cfg.allowKill, reboot: cfg.reboot,
    });
    const absmax = cfg.intervalS * Math.max(1, cfg.tko - 1);
    this.heuristics = new HeuristicRunner(cfg.heuristics, absmax, (m) => hooks.log('notice', m));
  }

  get name(): string {
    return this.cfg.cmanLabel || this.devicePath;
  }

  /** Open the device (by label or path); throws with a clear message when it cannot. */
  async start(): Promise<void> {
    let path = this.cfg.device;
    if (this.cfg.label !== undefined) {
      const found = await findByLabel(this.cfg.label, this.cfg.device !== undefined ? [this.cfg.device] : []);
      if (found.length === 0) throw new Error(`quorumd: no quorum disk with label '${this.cfg.label}' found`);
      if (found.length > 1) this.hooks.log('warn', `quorumd: ${found.length} devices carry label '${this.cfg.label}'; using ${found[0]}`);
      path = found[0];
    }
    if (path === undefined) throw new Error('quorumd: neither device= nor label= given');
    this.devicePath = path;
    this.device = await QdiskDevice.open(path);
    this.hooks.log('notice', `Quorum Daemon Initializing (device ${path}, label '${this.device.header.label}')`);
    if (this.cfg.masterWins) this.hooks.log('notice', 'Enabling master-wins mode for simple two-node cluster');
    this.heuristics.start();
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.cycle(), delayMs);
  }

  private async cycle(): Promise<void> {
    const dev = this.device;
    if (this.running || this.stopped || dev === undefined) return;
    this.running = true;
    const startMs = Date.now();
    try {
      let ioError = false;
      try {
        this.lastBlocks = await dev.readAll();
        this.consecutiveIoErrors = 0;
      } catch (err) {
        ioError = true;
        this.ioErrors += 1;
        this.consecutiveIoErrors += 1;
        this.hooks.log('warn', `qdisk read failed: ${(err as Error).message}`);
      }
      this.score = this.heuristics.score();
      const scoreRequired = this.cfg.minScore > 0 ? this.cfg.minScore : Math.floor(this.score.scoreMax / 2) + 1;
      const out = qdiskCycle(this.st, {
        blocks: this.lastBlocks, score: this.score.score, scoreMax: this.score.scoreMax, scoreRequired,
        cmanMembers: this.hooks.cmanMembers(), ioError, nowMs: startMs,
      });
      this.cycles += 1;
      for (const l of out.logs) this.hooks.log('notice', l);
      try {
        for (const e of out.evictions) await dev.write(e);
        await dev.write(out.write);
        this.lastWriteOkMs = Date.now();
      } catch (err) {
        this.ioErrors += 1;
        this.hooks.log('warn', `qdisk write failed: ${(err as Error).message}`);
      }
      if (this.stopped) return;
      for (const n of out.kill) this.hooks.kill(n);
      this.lastPoll = out.poll;
      if (out.poll) this.hooks.poll(out.votes);
      if (out.reboot !== undefined) {
        this.hooks.stop(`qdisk: ${out.reboot}`);
        return;
      }
      const budgetMs = this.cfg.intervalS * this.cfg.tko * 1000;
      if (this.cfg.ioTimeout && Date.now() - this.lastWriteOkMs > budgetMs) {
        this.hooks.stop(`qdisk: no successful write for ${budgetMs} ms (io_timeout)`);
        return;
      }
      if (this.cfg.paranoid && Date.now() - startMs > budgetMs) {
        this.hooks.stop(`qdisk: cycle took ${Date.now() - startMs} ms (paranoid)`);
        return;
      }
      if (this.cfg.maxErrorCycles > 0 && !this.cfg.ioTimeout && this.consecutiveIoErrors >= this.cfg.maxErrorCycles) {
        this.hooks.stop(`qdisk: ${this.consecutiveIoErrors} consecutive cycles with I/O errors`);
        return;
      }
    } finally {
      this.running = false;
    }
    const elapsed = Date.now() - startMs;
    this.schedule(Math.max(0, this.cfg.intervalS * 1000 - elapsed));
  }

  /** The qdisk master as this node last read it from the disk. */
  masterNodeid(): number | undefined {
    return this.st.masterNodeid;
  }

  diag(): QdiskDiag {
    const scoreRequired = this.cfg.minScore > 0 ? this.cfg.minScore : Math.floor(this.score.scoreMax / 2) + 1;
    return {
      device: this.devicePath, state: DISK_STATE_NAMES[this.st.myState] ?? String(this.st.myState),
      score: this.score.score, scoreMax: this.score.scoreMax, scoreRequired, masterNodeid: this.st.masterNodeid,
      visibleSet: maskToIds(this.st.mask), quorateSet: maskToIds(this.st.masterMask), polled: this.lastPoll,
      votes: this.cfg.masterWins && this.st.myState !== DiskState.Master ? 0 : this.cfg.votes, cycles: this.cycles, ioErrors: this.ioErrors,
    };
  }

  /** Clean exit: write S_EXIT (a master asks for re-election), then close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.heuristics.stop();
    const dev = this.device;
    this.device = undefined;
    if (dev !== undefined) {
      try { await dev.write(exitBlock(this.st, Date.now())); } catch { /* best effort on the way out */ }
      await dev.close().catch(() => undefined);
    }
  }
}
