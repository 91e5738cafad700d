// What clustat and clusvcadm read from the local daemon: the rg.status snapshot turned into the
// clustat model, with a cman-only fallback when rgmanager does not answer (services omitted, as
// clustat does when rgmanager is not running).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient, ApiError, ConnectError } from '../api/index.js';
import type { RgStatus } from '../api/rgmanager.js';
import type { ClustatMember, ClustatModel } from '../rgmanager/clustat-format.js';

export interface OpsSnapshot {
  readonly model: ClustatModel;
  readonly localNodeId: number;
  readonly localName: string;
  /** The local node's rgmanager answered (services known; XML groupmember="1"). */
  readonly localRgmanager: boolean;
  /** The raw rgmanager snapshot, when rgmanager answered. */
  readonly rg: RgStatus | undefined;
}

/** The suite's version (package.json), printed by -v. */
export function suiteVersion(): string {
  try {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch { return 'unknown'; }
}

const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory', ECONNREFUSED: 'Connection refused', EACCES: 'Permission denied',
  ETIMEDOUT: 'Connection timed out', ECONNRESET: 'Connection reset by peer', ENOTCONN: 'Transport endpoint is not connected',
  EPERM: 'Operation not permitted',
};

export function strerror(code: string): string {
  return STRERROR[code] ?? code;
}

export function errorCode(err: unknown): string {
  return err instanceof ConnectError || err instanceof ApiError ? err.code : 'EIO';
}

function modelFromRg(s: RgStatus, date: Date): ClustatModel {
  const members: ClustatMember[] = s.nodes.map((n) => ({
    name: n.name, nodeid: n.nodeid, online: n.online, local: n.local, rgmanager: n.online && n.rgmanager,
  }));
  return {
    clusterName: s.clusterName, clusterId: s.clusterId, generation: s.generation, date, quorate: s.quorate, members,
    services: s.rgmanagerRunning ? s.services.map((v) => ({
      id: v.id, state: v.state, stateCode: v.stateCode, owner: v.owner, lastOwner: v.lastOwner, flags: v.flags,
      restarts: v.restarts, lastTransitionS: Math.floor(v.lastTransitionMs / 1000),
    })) : undefined,
  };
}

/** The quorum disk line (cman's node 0) when a qdisk is configured: online while its votes count. */
async function quorumDisk(client: ApiClient): Promise<{ label: string; online: boolean } | undefined> {
  try {
    const [diag, status] = await Promise.all([client.request('cman.diag', {}, 10_000), client.request('cman.status', {}, 10_000)]);
    if (diag.qdisk === undefined) return undefined;
    return { label: diag.qdisk.device, online: status.quorumDeviceVotes !== undefined };
  } catch { return undefined; }
}

/** Gather the snapshot; throws ConnectError/ApiError when cman itself does not answer. */
export async function fetchSnapshot(client: ApiClient, date = new Date()): Promise<OpsSnapshot> {
  let rg: RgStatus | undefined;
  try {
    rg = await client.request('rg.status', {}, 10_000);
  } catch (err) {
    if (err instanceof ConnectError) throw err;
    rg = undefined; // rgmanager not running / not answering: cman-only view
  }
  if (rg !== undefined) {
    const qdisk = await quorumDisk(client);
    const model = modelFromRg(rg, date);
    return { model: qdisk !== undefined ? { ...model, qdisk } : model, localNodeId: rg.localNode.nodeid, localName: rg.localNode.name,
      localRgmanager: rg.rgmanagerRunning, rg };
  }
  const [status, nodes] = await Promise.all([client.request('cman.status', {}, 10_000), client.request('cman.nodes', {}, 10_000)]);
  const members: ClustatMember[] = nodes.nodes.filter((n) => n.nodeid !== 0).map((n) => ({
    name: n.name, nodeid: n.nodeid, online: n.sts === 'M', local: n.nodeid === status.nodeId,
  }));
  const qdisk = await quorumDisk(client);
  return {
    model: { clusterName: status.clusterName, clusterId: status.clusterId, generation: status.generation, date,
      quorate: status.quorate, members, services: undefined, ...(qdisk !== undefined ? { qdisk } : {}) },
    localNodeId: status.nodeId, localName: status.nodeName, localRgmanager: false, rg: undefined,
  };
}
