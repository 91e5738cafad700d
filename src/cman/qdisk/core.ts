// The pure per-cycle core of the quorum disk daemon (cman.md §3.4: qdiskd quorum_loop,
// check_transitions, check_votes). One call per interval: the edge reads all 16 status blocks,
// passes them in with the heuristic score and cman's member list; the core returns the block
// to write, eviction notices, nodes to kill, whether to poll the quorum device in cman, and log
// lines. No I/O, no clock: `nowMs` is only copied into the written block.
import { DiskMsg, DiskState, QDISK_MAX_NODES, bit, maskToIds, type StatusBlock } from './layout.js';

export interface QdiskCoreConfig {
  readonly nodeid: number;
  /** Random per daemon start (written in every block; a change means a restart). */
  readonly incarnation: number;
  readonly tko: number;
  readonly tkoUp: number;
  readonly upgradeWait: number;
  readonly masterWait: number;
  readonly votes: number;
  readonly masterWins: boolean;
  readonly allowKill: boolean;
  readonly reboot: boolean;
}

interface PeerView {
  lastWriteSeq: number;
  incarnation: number;
  misses: number;
  seen: number;
  up: boolean;
  /** Incarnation we evicted (an "undead" node writing it again is evicted again). */
  evictedIncarnation: number | undefined;
  diskState: DiskState;
}

export interface QdiskCoreState {
  readonly cfg: QdiskCoreConfig;
  myState: DiskState;
  cycle: number;
  initCyclesLeft: number;
  upgradeWaitLeft: number;
  bidding: boolean;
  bidCycles: number;
  msg: DiskMsg;
  msgArg: number;
  msgSeq: number;
  writeSeq: number;
  masterNodeid: number | undefined;
  /** Nodes seen online via the disk (including me once running). */
  mask: number;
  masterMask: number;
  readonly peers: (PeerView | undefined)[];
  /** Last score verdict (for status/diagnostics). */
  scoreOk: boolean;
  rebootReason: string | undefined;
}

export interface QdiskCycleInput {
  /** Index = nodeid (1..16); undefined = never written / unreadable. */
  readonly blocks: readonly (StatusBlock | undefined)[];
  readonly score: number;
  readonly scoreMax: number;
  readonly scoreRequired: number;
  /** Current cman members (nodeids) as this node sees them. */
  readonly cmanMembers: readonly number[];
  /** True when this cycle's read failed (the edge then passes the previous blocks). */
  readonly ioError: boolean;
  readonly nowMs: number;
}

export interface QdiskCycleOutput {
  readonly write: StatusBlock;
  /** Eviction notices to write into other nodes' blocks (master only). */
  readonly evictions: readonly StatusBlock[];
  /** Nodes to remove from the cluster (cman_kill_node), master with allow_kill only. */
  readonly kill: readonly number[];
  /** cman_poll_quorum_device(1) this cycle. */
  readonly poll: boolean;
  /** Votes to advertise (0 for a non-master in master_wins mode). */
  readonly votes: number;
  /** Set once: this node must stop (evicted, or score lost with reboot=1). */
  readonly reboot: string | undefined;
  readonly logs: readonly string[];
}

export function initQdiskCore(cfg: QdiskCoreConfig): QdiskCoreState {
  if (!Number.isInteger(cfg.nodeid) || cfg.nodeid < 1 || cfg.nodeid > QDISK_MAX_NODES) {
    throw new RangeError(`qdisk: nodeid ${cfg.nodeid} not in 1..${QDISK_MAX_NODES}`);
  }
  if (cfg.tko < 1 || cfg.tkoUp < 1 || cfg.masterWait < 1 || cfg.upgradeWait < 1) throw new RangeError('qdisk: timing values must be >= 1');
  return {
    cfg, myState: DiskState.Init, cycle: 0, initCyclesLeft: cfg.tko, upgradeWaitLeft: 0, bidding: false, bidCycles: 0,
    msg: DiskMsg.None, msgArg: 0, msgSeq: 0, writeSeq: 0, masterNodeid: undefined, mask: 0, masterMask: 0,
    peers: new Array<PeerView | undefined>(QDISK_MAX_NODES + 1).fill(undefined), scoreOk: false, rebootReason: undefined,
  };
}

const isRunning = (s: DiskState) => s === DiskState.Run || s === DiskState.Master;

/** One cycle. Mutates and returns `st` (the state object is owned by the caller). */
export function qdiskCycle(st: QdiskCoreState, input: QdiskCycleInput): QdiskCycleOutput {
  const cfg = st.cfg;
  const me = cfg.nodeid;
  const logs: string[] = [];
  const evictions: StatusBlock[] = [];
  const kill: number[] = [];
  st.cycle += 1;

  if (st.rebootReason !== undefined) {
    return { write: myBlock(st, input, DiskState.None), evictions, kill, poll: false, votes: 0, reboot: st.rebootReason, logs };
  }

  // 1. My own block: an eviction notice written by someone else means I must go.
  const mine = input.blocks[me];
  if (mine !== undefined && mine.state === DiskState.Evict && mine.updateNode !== me && mine.incarnation === cfg.incarnation) {
    st.rebootReason = `evicted by node ${mine.updateNode}`;
    st.myState = DiskState.None;
    logs.push(`Node ${mine.updateNode} evicted me; stopping`);
    return { write: myBlock(st, input, DiskState.None), evictions, kill, poll: false, votes: 0, reboot: st.rebootReason, logs };
  }

  // 2. Read and transitions for every other node.
  for (let n = 1; n <= QDISK_MAX_NODES; n++) {
    if (n === me) continue;
    const b = input.blocks[n];
    let v = st.peers[n];
    if (b === undefined) {
      if (v?.up) { logs.push(`Node ${n} shutdown`); setDown(st, n, v); }
      continue;
    }
    if (v === undefined) {
      v = { lastWriteSeq: b.writeSeq, incarnation: b.incarnation, misses: 0, seen: 0, up: false, evictedIncarnation: undefined, diskState: b.state };
      st.peers[n] = v;
      continue;
    }
    v.diskState = b.state;
    if (b.state === DiskState.Exit) {
      if (v.up) logs.push(`Node ${n} is leaving`);
      setDown(st, n, v);
      v.lastWriteSeq = b.writeSeq; v.seen = 0; v.misses = 0;
      continue;
    }
    if (b.state <= DiskState.Evict || b.incarnation !== v.incarnation) {
      if (v.up) { logs.push(b.state === DiskState.Evict ? `Node ${n} evicted` : `Node ${n} shutdown`); setDown(st, n, v); }
      if (b.incarnation !== v.incarnation && v.evictedIncarnation !== b.incarnation) v.evictedIncarnation = undefined;
      v.incarnation = b.incarnation; v.lastWriteSeq = b.writeSeq; v.seen = 0; v.misses = 0;
      continue;
    }
    if (b.writeSeq === v.lastWriteSeq) {
      v.misses += 1;
    } else {
      v.misses = 0; v.seen += 1; v.lastWriteSeq = b.writeSeq;
    }
    if (v.evictedIncarnation !== undefined && v.evictedIncarnation === b.incarnation) {
      // Undead: the evicted incarnation is still writing.
      if (v.misses === 0 && st.myState === DiskState.Master) {
        logs.push(`Writing eviction notice for node ${n}`);
        evictions.push(evictionNotice(b, me, input.nowMs));
        if (cfg.allowKill) kill.push(n);
      }
      continue;
    }
    if (v.up && v.misses > cfg.tko) {
      logs.push(`Node ${n} DOWN`);
      setDown(st, n, v);
      v.evictedIncarnation = b.incarnation;
      if (st.myState === DiskState.Master) {
        logs.push(`Writing eviction notice for node ${n}`);
        evictions.push(evictionNotice(b, me, input.nowMs));
        if (cfg.allowKill) kill.push(n);
      }
      continue;
    }
    if (!v.up && v.seen > cfg.tkoUp && v.misses === 0) {
      v.up = true;
      st.mask = (st.mask | bit(n)) >>> 0;
      logs.push(`Node ${n} is UP`);
    }
  }

  // 3. Initialisation: write S_INIT for tko cycles while reading everyone.
  if (st.myState === DiskState.Init) {
    st.initCyclesLeft -= 1;
    if (st.initCyclesLeft > 0) {
      return { write: myBlock(st, input, DiskState.Init), evictions, kill, poll: false, votes: 0, reboot: undefined, logs };
    }
    logs.push('Initialization complete');
    logs.push(`Initial score ${input.score}/${input.scoreMax}`);
    st.myState = DiskState.None;
  }

  // 4. Score.
  const scoreOk = input.score >= input.scoreRequired;
  st.scoreOk = scoreOk;
  if (!scoreOk) {
    if (isRunning(st.myState)) {
      logs.push(`Score insufficient for master operation (${input.score}/${input.scoreMax}; required=${input.scoreRequired}); downgrading`);
      st.myState = DiskState.None;
      st.bidding = false;
      st.msg = DiskMsg.None;
      st.mask = (st.mask & ~bit(me)) >>> 0;
      st.masterMask = 0;
      if (cfg.reboot) st.rebootReason = `score ${input.score}/${input.scoreMax} below required ${input.scoreRequired}`;
    }
  } else if (st.myState === DiskState.None) {
    logs.push(`Score sufficient for master operation (${input.score}/${input.scoreMax}; required=${input.scoreRequired}); upgrading`);
    st.myState = DiskState.Run;
    st.upgradeWaitLeft = cfg.upgradeWait;
    st.mask = (st.mask | bit(me)) >>> 0;
  }

  // 5. Master detection.
  let master: number | undefined = st.myState === DiskState.Master ? me : undefined;
  let lowId = isRunning(st.myState) ? me : Number.MAX_SAFE_INTEGER;
  for (let n = 1; n <= QDISK_MAX_NODES; n++) {
    const v = st.peers[n];
    if (n === me || v === undefined || !v.up || !isRunning(v.diskState)) continue;
    if (n < lowId) lowId = n;
    if (v.diskState === DiskState.Master) {
      if (master === me) {
        if (n < me) {
          logs.push(`Node ${n} is also master; abdicating`);
          st.myState = DiskState.Run;
          master = n;
        }
      } else if (master === undefined || n < master) {
        master = n;
      }
    }
  }
  if (master !== st.masterNodeid) {
    if (master !== undefined && master !== me) logs.push(`Node ${master} is the master`);
    st.masterNodeid = master;
  }

  // 6. Election by bid/ack.
  if (st.upgradeWaitLeft > 0) st.upgradeWaitLeft -= 1;
  if (master !== undefined) {
    st.bidding = false;
    if (st.msg !== DiskMsg.None && master !== me) st.msg = DiskMsg.None;
  } else if (st.myState === DiskState.Run) {
    // The lowest-id bidder below me, if any.
    let bidder: number | undefined;
    for (let n = 1; n < me; n++) {
      const v = st.peers[n];
      const b = input.blocks[n];
      if (v?.up && b !== undefined && b.msg === DiskMsg.Bid && isRunning(b.state)) { bidder = n; break; }
    }
    if (bidder !== undefined) {
      if (st.bidding) logs.push(`Node ${bidder} bids too; dropping my bid`);
      st.bidding = false;
      st.msg = DiskMsg.Ack;
      st.msgArg = bidder;
      st.msgSeq = input.blocks[bidder]!.msgSeq;
    } else if (!st.bidding) {
      if (lowId === me && st.upgradeWaitLeft === 0) {
        st.bidding = true;
        st.bidCycles = 0;
        st.msg = DiskMsg.Bid;
        st.msgArg = me;
        st.msgSeq = (st.msgSeq + 1) >>> 0;
        logs.push('Making bid for master');
      } else if (st.msg === DiskMsg.Ack) {
        st.msg = DiskMsg.None;
      }
    } else {
      st.bidCycles += 1;
      let allAck = true;
      let nacked = false;
      for (let n = 1; n <= QDISK_MAX_NODES; n++) {
        const v = st.peers[n];
        if (n === me || !v?.up || !isRunning(v.diskState)) continue;
        const b = input.blocks[n];
        if (b === undefined) { allAck = false; continue; }
        if (b.msg === DiskMsg.Nack && b.msgArg === me) nacked = true;
        if (!(b.msg === DiskMsg.Ack && b.msgArg === me && b.msgSeq === st.msgSeq)) allAck = false;
      }
      if (nacked) {
        logs.push('Bid refused (NACK); dropping my bid');
        st.bidding = false;
        st.msg = DiskMsg.None;
      } else if (allAck && st.bidCycles >= cfg.masterWait) {
        logs.push('Assuming master role');
        st.myState = DiskState.Master;
        st.bidding = false;
        st.msg = DiskMsg.None;
        st.masterNodeid = me;
        master = me;
      }
    }
  }

  // 7. Votes to cman: only the master's partition, healthy by score, seen by disk and cman.
  let poll = false;
  if (st.myState === DiskState.Master) {
    let mm = bit(me);
    for (const id of input.cmanMembers) {
      if (id >= 1 && id <= QDISK_MAX_NODES && (st.mask & bit(id)) !== 0) mm |= bit(id);
    }
    st.masterMask = mm >>> 0;
    poll = !input.ioError;
  } else {
    st.masterMask = 0;
    if (st.myState === DiskState.Run && master !== undefined) {
      const mb = input.blocks[master];
      poll = !input.ioError && mb !== undefined && (mb.masterMask & bit(me)) !== 0;
    }
  }
  const votes = cfg.masterWins && st.myState !== DiskState.Master ? 0 : cfg.votes;
  return { write: myBlock(st, input, st.myState), evictions, kill, poll, votes, reboot: st.rebootReason, logs };
}

/** The block a cleanly exiting node writes (a master in master_wins mode asks for re-election). */
export function exitBlock(st: QdiskCoreState, nowMs: number): StatusBlock {
  return myBlock(st, { blocks: [], score: 0, scoreMax: 0, scoreRequired: 0, cmanMembers: [], ioError: false, nowMs }, DiskState.Exit);
}

function setDown(st: QdiskCoreState, n: number, v: PeerView): void {
  v.up = false;
  st.mask = (st.mask & ~bit(n)) >>> 0;
  if (st.masterNodeid === n) st.masterNodeid = undefined;
}

function evictionNotice(b: StatusBlock, me: number, nowMs: number): StatusBlock {
  return { ...b, state: DiskState.Evict, updateNode: me, timestampMs: nowMs, msg: DiskMsg.None, masterMask: 0 };
}

function myBlock(st: QdiskCoreState, input: QdiskCycleInput, state: DiskState): StatusBlock {
  st.writeSeq = (st.writeSeq + 1) >>> 0;
  return {
    nodeid: st.cfg.nodeid, updateNode: st.cfg.nodeid, state, writeSeq: st.writeSeq, timestampMs: input.nowMs,
    incarnation: st.cfg.incarnation, score: input.score, scoreMax: input.scoreMax, msg: st.msg, msgArg: st.msgArg,
    msgSeq: st.msgSeq, mask: st.mask, masterMask: st.masterMask,
  };
}

/** A status_file-style summary (cman.md §3.6). */
export function describeQdisk(st: QdiskCoreState): { state: DiskState; master: number | undefined; visible: number[]; quorate: number[] } {
  return { state: st.myState, master: st.masterNodeid, visible: maskToIds(st.mask), quorate: maskToIds(st.masterMask) };
}
