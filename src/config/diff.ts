// STUB (the config issue replaces this): what changed between two configs.
import type { ClusterConfig } from './types.js';

export interface ConfigDiff {
  readonly versionFrom: number;
  readonly versionTo: number;
  readonly changes: readonly { readonly area: string; readonly what: string }[];
}

export function diffConfig(oldConfig: ClusterConfig, newConfig: ClusterConfig): ConfigDiff {
  return { versionFrom: oldConfig.configVersion, versionTo: newConfig.configVersion, changes: [] };
}
