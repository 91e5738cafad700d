// The optional parts of the daemon API conga uses: rgmanager's service states and requests,
// fenced's history and fence requests, config propagation. Kinds the daemon does not have are
// left out (the page hides what they would show).
import type { DaemonLink } from './link.js';
import type { FenceHistoryRow, ServiceRow } from './model.js';

export interface RgPart {
  readonly services: ServiceRow[] | null;
  readonly fenceHistory: FenceHistoryRow[] | null;
  readonly fenceState: Map<string, string>;
  readonly propagate: boolean;
}

export async function rgSnapshotPart(_link: DaemonLink): Promise<RgPart> {
  return { services: null, fenceHistory: null, fenceState: new Map(), propagate: false };
}

import { ActionError } from './actions.js';

/** Until the daemon offers these kinds, the routes answer 501 and the page hides them. */
export async function rgServiceRequest(_link: DaemonLink, _id: string, _op: string, _node: string | undefined): Promise<unknown> {
  throw new ActionError(501, 'this daemon has no service manager yet', 'ENOSYS');
}
export async function rgFence(_link: DaemonLink, _node: string): Promise<unknown> {
  throw new ActionError(501, 'this daemon has no fence daemon yet', 'ENOSYS');
}
export async function rgPropagate(_link: DaemonLink, _text: string, _dryRun: boolean): Promise<unknown> {
  throw new ActionError(501, 'this daemon cannot propagate a configuration yet (issue 8)', 'ENOSYS');
}
export function rgCanPropagate(_link: DaemonLink): boolean { return false; }
