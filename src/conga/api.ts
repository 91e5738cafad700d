// conga's kinds on the daemon socket: user management for bin/conga_passwd (root on the node, via
// the socket's file permissions, is the trust root for the first admin) and the page's URL.
import '../api/protocol.js';
import type { Role } from './users.js';

export interface CongaInfo {
  /** The page's URL on this node; null when the HTTP server is off. */
  readonly url: string | null;
  readonly secure: boolean;
  readonly certificateSha256: string | null;
  readonly stateDir: string;
}

declare module '../api/protocol.js' {
  interface ApiRequests {
    /** Set a user's password and role (replicated to every node). */
    'conga.setUser': { params: { name: string; role: Role; password: string }; result: { name: string; role: Role; created: boolean } };
    'conga.deleteUser': { params: { name: string }; result: { name: string } };
    'conga.users': { params: Record<string, never>; result: { users: { name: string; role: Role; changedMs: number }[] } };
    'conga.info': { params: Record<string, never>; result: CongaInfo };
  }
}
