// The membership core: public surface. See types.ts for the interface and src/cman/README.md for
// the algorithm and its safety argument.
export * from './types.js';
export { encodeMessage, decodeMessage, MAX_MESSAGE_BYTES } from './codec.js';
export type { DecodeResult } from './codec.js';
export { createMembership, InvariantError } from './core.js';
