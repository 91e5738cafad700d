// Public surface of the daemon API: protocol, client, server and the request kinds of cman,
// rgmanager and fenced.
export * from './protocol.js';
export * from './cman.js';
export * from './rgmanager.js';
export * from './fenced.js';
export * from './ccs.js';
export { ApiClient, ConnectError, requestOnce, MAX_IN_FLIGHT } from './client.js';
export type { ConnectOptions } from './client.js';
export { ApiServer } from './server.js';
export type { Handler } from './server.js';
