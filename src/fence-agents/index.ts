// Fence agents for the rest of the suite: `fence(device, nodeDeviceArgs, action)` runs our own
// agents in-process and any other agent through the fence-agents stdin protocol.
import './agents.js';

export * from './agent/index.js';
