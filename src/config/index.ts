// Public surface of the config room.
export type * from './types.js';
export { parseClusterConf, loadClusterConf, formatProblem, MAX_CONFIG_BYTES } from './parse.js';
export { diffConfig } from './diff.js';
export type { ConfigDiff, ConfigChange, ConfigChangeArea, ConfigChangeKind } from './diff.js';
export { summarizeConfig } from './summary.js';
export { clusterIdShiftAdd, clusterIdFnv, defaultMulticastAddress, parseTimeS } from './model.js';
