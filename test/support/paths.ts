// Where the repository and ../shared are, from compiled test code (dist/test/...).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The shared reference folder beside the repository (override with CLUSTER_SHARED_DIR). */
export const sharedDir = process.env['CLUSTER_SHARED_DIR'] ?? path.resolve(repoRoot, '../shared');
/** True in CI: tests that need a Debian peer fail instead of skipping when it is missing. */
export const inCi = process.env['CI'] === 'true';
