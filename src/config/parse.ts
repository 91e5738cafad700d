// STUB (the config issue replaces this): parse + validate cluster.conf text into a ClusterConfig.
import { readFile } from 'node:fs/promises';
import type { ConfigProblem, ParseResult } from './types.js';

export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Parse and validate cluster.conf text; never throws on bad input. */
export function parseClusterConf(text: string, file: string): ParseResult {
  void text;
  return { config: undefined, problems: [{ severity: 'error', file, line: 0, where: 'cluster', message: 'parser not implemented yet' }] };
}

/** Read a file (refusing more than MAX_CONFIG_BYTES) and parse it. */
export async function loadClusterConf(path: string): Promise<ParseResult> {
  const text = await readFile(path, 'utf8');
  return parseClusterConf(text, path);
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}: ${p.where}: ${p.message}`;
}
