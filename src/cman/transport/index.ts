// Public surface of the transport.
export * from './codec.js';
export { UdpTransport } from './udp.js';
export type { PeerAddress, UdpTransportOptions, FrameHandler } from './udp.js';
export { loadFrameKeys, MAX_KEYFILE_BYTES } from './keys.js';
export type { KeySource } from './keys.js';
