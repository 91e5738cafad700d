// Where the transport key comes from: `<cman keyfile>` (or `<totem keyfile>`), otherwise the
// cluster name, as cman does (cman.md §4.1).
import { readFile } from 'node:fs/promises';
import { deriveFrameKeys, keyMaterialFromClusterName, type FrameKeys } from './codec.js';

/** corosync's authkey is 128 bytes; anything over this is refused as not a key file. */
export const MAX_KEYFILE_BYTES = 4096;

export interface KeySource {
  readonly clusterName: string;
  readonly keyfile: string | undefined;
}

export async function loadFrameKeys(src: KeySource): Promise<{ keys: FrameKeys; origin: string }> {
  if (src.keyfile === undefined) {
    return { keys: deriveFrameKeys(keyMaterialFromClusterName(src.clusterName)), origin: 'cluster name' };
  }
  let data: Buffer;
  try {
    data = await readFile(src.keyfile);
  } catch (err) {
    throw new Error(`cannot read keyfile ${src.keyfile}: ${(err as Error).message}`);
  }
  if (data.length === 0) throw new Error(`keyfile ${src.keyfile} is empty`);
  if (data.length > MAX_KEYFILE_BYTES) throw new Error(`keyfile ${src.keyfile} is larger than ${MAX_KEYFILE_BYTES} bytes`);
  return { keys: deriveFrameKeys(data), origin: `keyfile ${src.keyfile}` };
}
