// fenced's requests, replies and events on the daemon socket: fence_node, fence_ack_manual,
// fence_tool ls, and the replicated fence history.
import './protocol.js';

/** How a victim was dealt with (fence_tool ls -n "how", plus our failure/averted records). */
export type FenceHow = 'agent' | 'override' | 'external' | 'averted' | 'failed' | 'unfence';

/** One fence operation: a device run, or a summary of a victim (method/device null). */
export interface FenceHistoryEntry {
  /** Increasing number of the entry in the cluster's history. */
  readonly seq: number;
  readonly victim: string;
  readonly victimNodeid: number;
  /** `<method name>`, null for an override / averted / summary entry. */
  readonly method: string | null;
  /** `<fencedevice name>`, null for a method summary or an override. */
  readonly device: string | null;
  readonly agent: string | null;
  /** Action asked of the device (off, on, reboot) or null. */
  readonly action: string | null;
  /** success | failed | override | external | averted. */
  readonly result: 'success' | 'failed' | 'override' | 'external' | 'averted';
  readonly how: FenceHow;
  /** Agent's one-line result or error. */
  readonly message: string;
  /** Node that ran it (the fence master / coordinator, or the node that ran fence_node). */
  readonly master: string;
  /** Wall clock when it began (ms since the epoch). */
  readonly startedMs: number;
  readonly durationMs: number;
  /** off/reboot: wall clock when OFF was confirmed (the victim was safe from then on). */
  readonly offConfirmedMs: number | null;
  /** Retry number for this victim (0 = first round). */
  readonly attempt: number;
}

/** One row of `fence_tool ls -n`. */
export interface FenceNodeRow {
  readonly nodeid: number;
  readonly name: string;
  readonly member: boolean;
  readonly victim: boolean;
  /** Nodeid of the master that last fenced it (0 = never). */
  readonly lastFenceMaster: number;
  readonly lastFenceHow: 'none' | 'agent' | 'member' | 'override' | 'external';
  /** Wall clock of the last successful fence (ms), 0 = never. */
  readonly lastFencedMs: number;
}

/** `fence_tool ls` (cman.md §5.3). */
export interface FenceLs {
  readonly memberCount: number;
  readonly victimCount: number;
  /** Nodeid being fenced right now, 0 = none. */
  readonly victimNow: number;
  /** Fence master = coordinator nodeid (0 when unknown). */
  readonly masterNodeid: number;
  readonly waitState: 'none' | 'quorum' | 'messages' | 'fencing';
  readonly members: readonly number[];
  readonly nodes: readonly FenceNodeRow[];
}

/** One device line of a fence_node run (`fence X dev M.D agent A result: R`). */
export interface FenceDeviceRun {
  /** 1-based method and device numbers (`dev 1.2`). */
  readonly method: number;
  readonly device: number;
  readonly deviceName: string;
  readonly agent: string;
  readonly ok: boolean;
  /** "success", "error from agent", or the agent's message. */
  readonly result: string;
  readonly message: string;
}

export interface FenceNodeParams {
  readonly node: string;
  /** Default: fence (reboot unless a device says otherwise). unfence = `fence_node -U`, status = `-S`. */
  readonly mode?: 'fence' | 'unfence' | 'status';
  /** Only this method (1-based, `fence_node -m n`). */
  readonly method?: number;
  /** Record the result as an external fence so fenced stops waiting (default true, like fenced_external). */
  readonly record?: boolean;
}

export interface FenceNodeResult {
  readonly node: string;
  readonly mode: 'fence' | 'unfence' | 'status';
  /** success | failed | undefined (no method / no unfence section). */
  readonly outcome: 'success' | 'failed' | 'undefined';
  /** fence_node's exit status: 0 ok, 1 failed, 2 undefined. */
  readonly exitCode: number;
  /** status mode: on/off (mixed counts as on), else null. */
  readonly power: 'on' | 'off' | null;
  readonly runs: readonly FenceDeviceRun[];
}

/** A victim changed state (fenced log lines as events). */
export interface FenceVictimEvent {
  readonly victim: string;
  readonly nodeid: number;
  readonly state: 'pending' | 'fencing' | 'fenced' | 'failed' | 'override' | 'averted';
  readonly message: string;
}

declare module './protocol.js' {
  interface ApiRequests {
    /** `fence_node [-U|-S] [-m n] node`: run the node's fence methods from this node. */
    'fence.node': { params: FenceNodeParams; result: FenceNodeResult };
    /**
     * `fence_ack_manual node`: the administrator confirms the node is off. ENOENT when the node
     * is not a victim (nothing to acknowledge); resolves once the override is committed.
     */
    'fence.ackManual': { params: { node: string }; result: { node: string; overridden: true } };
    /** `fence_tool ls [-n]`. */
    'fence.ls': { params: Record<string, never>; result: FenceLs };
    /** The replicated fence history, oldest first, optionally for one node. */
    'fence.history': { params: { node?: string; limit?: number }; result: { entries: readonly FenceHistoryEntry[] } };
  }
  interface ApiEvents {
    /** A fence history entry was committed. */
    'fence.history': FenceHistoryEntry;
    /** A victim's state changed (committed). */
    'fence.victim': FenceVictimEvent;
  }
}
