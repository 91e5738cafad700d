// For `npm run demo`: make a login for the page on a running cluster and return its URL.
import { randomBytes } from 'node:crypto';
import { requestOnce } from '../api/index.js';
import type { Role } from './users.js';
import './api.js';

export interface DemoLogin {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly role: Role;
}

/**
 * Create (or reset) `user` with a random password through the node's daemon socket in `runDir`;
 * the user is replicated to every node. Returns the page URL on that node and the login.
 */
export async function createDemoLogin(runDir: string, user = 'admin', role: Role = 'admin'): Promise<DemoLogin> {
  const password = randomBytes(9).toString('base64url');
  await requestOnce('conga.setUser', { name: user, role, password }, { runDir });
  const info = await requestOnce('conga.info', {}, { runDir });
  if (info.url === null) throw new Error('this node serves no web page (started with --no-http)');
  return { url: info.url, user, password, role };
}
