// cman's quorum function (calculate_quorum in cman commands.c; ../shared/research/cman.md §1.2).
// Pure: every node computes it locally from the members it sees.
//
//   T = Σ votes of members + qdisk votes (if this partition holds the qdisk)
//   E = max(expected_votes of members), or the forced value from `cman_tool expected`
//   Q = max(floor(E/2)+1, floor(T/2)+1);  ratchet: Q never decreases unless allowed
//   two_node && members <= 2  =>  Q = 1
//   quorate <=> T >= Q

export interface QuorumInput {
  /** Votes of each current member (one entry per member node). */
  readonly memberVotes: readonly number[];
  /** expected_votes advertised by each member; the highest counts. */
  readonly memberExpectedVotes: readonly number[];
  /** Votes of the quorum device when this partition holds it, else 0. */
  readonly qdiskVotes: number;
  readonly twoNode: boolean;
  /** Quorum computed last time (0 at start). */
  readonly previousQuorum: number;
  /** Allowed after `cman_tool expected/votes`, a config reload, a qdisk vote change, `leave remove`. */
  readonly allowDecrease: boolean;
  /** Forced expected votes from `cman_tool expected -e N` (replaces E), if any. */
  readonly forcedExpectedVotes?: number;
}

export interface QuorumResult {
  readonly totalVotes: number;
  readonly expectedVotes: number;
  readonly quorum: number;
  readonly quorate: boolean;
}

export function calculateQuorum(input: QuorumInput): QuorumResult {
  for (const v of input.memberVotes) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`calculateQuorum: bad member votes ${v}`);
  }
  if (input.memberVotes.length !== input.memberExpectedVotes.length) {
    throw new RangeError('calculateQuorum: votes and expected votes differ in length');
  }
  const totalVotes = input.memberVotes.reduce((a, b) => a + b, 0) + Math.max(0, input.qdiskVotes);
  const expectedVotes = input.forcedExpectedVotes ?? Math.max(0, ...input.memberExpectedVotes);
  let quorum = Math.max(Math.floor((expectedVotes + 2) / 2), Math.floor((totalVotes + 2) / 2));
  if (!input.allowDecrease) quorum = Math.max(input.previousQuorum, quorum);
  if (input.twoNode && input.memberVotes.length <= 2) quorum = 1;
  return { totalVotes, expectedVotes, quorum, quorate: totalVotes >= quorum };
}

/**
 * `cman_tool expected -e N` check: refused (EINVAL) when the new quorum would exceed the
 * votes present or fall below half of them.
 */
export function expectedVotesChangeAllowed(totalVotes: number, newExpectedVotes: number): boolean {
  const q = Math.max(Math.floor((newExpectedVotes + 2) / 2), Math.floor((totalVotes + 2) / 2));
  return q <= totalVotes && q >= totalVotes / 2;
}
