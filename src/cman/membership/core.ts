import type { MembershipConfig, MembershipCore } from './types.js';

export function createMembership(config: MembershipConfig): MembershipCore {
  throw new Error(`membership core not implemented yet (node ${config.nodeId})`);
}
