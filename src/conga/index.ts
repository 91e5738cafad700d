// conga inside clusterd: parse its options, make or load the certificate, open the user store on
// the replicated log, serve the page and API, and answer conga_passwd on the daemon socket.
import { isIP } from 'node:net';
import path from 'node:path';
import type { ClusterConfig } from '../config/index.js';
import { ApiError, type ApiServer } from '../api/index.js';
import type { CmanDaemon } from '../cman/daemon.js';
import type { ClusterdModule } from '../cman/module.js';
import type { ConfigHooks } from '../cman/config-sync/sync.js';
import { resolveAddress } from '../cman/nodename.js';
import type { JsonValue } from '../cman/membership/types.js';
import { getLogger } from '../log/index.js';
import { CongaServer } from './server.js';
import { DaemonLink } from './link.js';
import { loadOrCreateTls, type TlsMaterial } from './tls.js';
import { USER_KEY_PREFIX, UserError, UserStore, toUserRecord, type UserRecord, type UserReplica } from './users.js';
import './api.js';

export { CongaServer } from './server.js';
export type { CongaInfo } from './api.js';
export { createDemoLogin } from './demo.js';

export const DEFAULT_HTTP_PORT = 8084;

export interface CongaArgs {
  httpPort: number;
  httpAddress: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Plain HTTP (refused unless bound to loopback). */
  plain: boolean;
  disabled: boolean;
  stateDir: string | undefined;
}

export const CONGA_USAGE = `  --http-port N       conga web page/API port (default ${DEFAULT_HTTP_PORT}); --no-http turns it off
  --http-address A    address to serve on (default: this node's own address)
  --tls-cert F --tls-key F   HTTPS certificate (default: self-signed, made at first start)
  --http-plain        plain HTTP instead of HTTPS (only when bound to a loopback address)
  --conga-dir DIR     conga state (certificate, users mirror, audit.log); default RUN_DIR/conga
                      when a run dir is given, else /var/lib/cluster/conga
`;

export function defaultCongaArgs(): CongaArgs {
  return { httpPort: DEFAULT_HTTP_PORT, httpAddress: undefined, tlsCert: undefined, tlsKey: undefined, plain: false, disabled: false, stateDir: undefined };
}

/**
 * Consume a conga option at argv[i]; returns the index of the last argument used, or -1 when the
 * option is not conga's. Throws on a bad value.
 */
export function parseCongaArg(argv: readonly string[], i: number, a: CongaArgs): number {
  const k = argv[i];
  const val = (): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`option ${k} needs a value`);
    return v;
  };
  switch (k) {
    case '--http-port': {
      const v = val();
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new Error(`--http-port: '${v}' is not a port number`);
      a.httpPort = Number(v);
      return i + 1;
    }
    case '--http-address': a.httpAddress = val(); return i + 1;
    case '--tls-cert': a.tlsCert = val(); return i + 1;
    case '--tls-key': a.tlsKey = val(); return i + 1;
    case '--conga-dir': a.stateDir = val(); return i + 1;
    case '--http-plain': a.plain = true; return i;
    case '--no-http': a.disabled = true; return i;
    default: return -1;
  }
}

export function isLoopback(addr: string): boolean {
  return (isIP(addr) === 4 && addr.startsWith('127.')) || addr === '::1';
}

/** The replicated users table on cman's key/value log. */
export function cmanUserReplica(cman: CmanDaemon): UserReplica {
  return {
    list(): UserRecord[] {
      const out: UserRecord[] = [];
      for (const [key, e] of cman.kv()) {
        if (!key.startsWith(USER_KEY_PREFIX)) continue;
        const u = toUserRecord(key.slice(USER_KEY_PREFIX.length), e.value);
        if (u !== undefined) out.push(u);
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    write(name, rec) {
      const key = USER_KEY_PREFIX + name;
      return rec === undefined ? cman.propose({ op: 'delete', key })
        : cman.propose({ op: 'put', key, value: { role: rec.role, hash: rec.hash, changedMs: rec.changedMs } as JsonValue });
    },
    onChange(fn) {
      cman.events.on('committed', (c) => { if (c.command.key.startsWith(USER_KEY_PREFIX)) fn(); });
      cman.events.on('snapshotInstalled', () => fn());
    },
    writable: () => cman.view().quorate,
  };
}

export interface StartCongaOptions {
  readonly args: CongaArgs;
  readonly runDir: string;
  /** True when the run dir was given explicitly (--run-dir or CLUSTER_RUN_DIR). */
  readonly runDirExplicit: boolean;
  readonly nodeName: string;
  /** This node's own address (its clusternode name resolved). */
  readonly nodeAddress: string;
  readonly config: () => ClusterConfig;
  readonly cman: CmanDaemon;
  readonly api: ApiServer;
}

export interface CongaHandle {
  readonly server: CongaServer | undefined;
  close(): Promise<void>;
}

export async function startConga(o: StartCongaOptions): Promise<CongaHandle> {
  const log = getLogger('conga', { node: o.nodeName });
  const stateDir = o.args.stateDir ?? (o.runDirExplicit ? path.join(o.runDir, 'conga') : '/var/lib/cluster/conga');
  const users = new UserStore(cmanUserReplica(o.cman), stateDir);
  let server: CongaServer | undefined;
  let link: DaemonLink | undefined;
  let tls: TlsMaterial | undefined;

  o.api.handle('conga.setUser', async ({ name, role, password }) => {
    try {
      const existed = users.get(name) !== undefined;
      const rec = await users.set(name, role, password);
      return { name: rec.name, role: rec.role, created: !existed };
    } catch (err) {
      if (err instanceof UserError) throw new ApiError(err.code, err.message);
      throw err;
    }
  });
  o.api.handle('conga.deleteUser', async ({ name }) => {
    try { await users.remove(name); } catch (err) { if (err instanceof UserError) throw new ApiError(err.code, err.message); throw err; }
    return { name };
  });
  o.api.handle('conga.users', () => ({ users: [...users.all().values()].map((u) => ({ name: u.name, role: u.role, changedMs: u.changedMs })) }));
  o.api.handle('conga.info', () => ({ url: server?.url() ?? null, secure: tls !== undefined, certificateSha256: tls?.fingerprint ?? null, stateDir }));

  // After a whole-cluster restart the replicated table is empty: seed it from this node's mirror.
  o.cman.events.on('quorum', (q) => {
    if (q.quorate) setTimeout(() => void users.seedIfEmpty().then((n) => { if (n > 0) log.notice(`conga: restored ${n} users from ${stateDir}/users.json`); }, () => undefined), 500).unref();
  });

  if (o.args.disabled) return { server: undefined, close: async () => undefined };
  const address = o.args.httpAddress ?? o.nodeAddress;
  if (o.args.plain && !isLoopback(address)) throw new Error(`--http-plain is only allowed on a loopback address, not ${address}`);
  if (!o.args.plain) tls = await loadOrCreateTls({ certFile: o.args.tlsCert, keyFile: o.args.tlsKey, stateDir, names: [o.nodeName, address] });
  link = new DaemonLink(o.runDir);
  link.start();
  server = new CongaServer({ nodeName: o.nodeName, address, port: o.args.httpPort, tls, stateDir, users, link, config: o.config });
  await server.listen();
  const s = server; const l = link;
  return { server: s, close: async () => { await s.close(); l.close(); } };
}

/**
 * conga as a clusterd module (started last, stopped first). A failure to serve the page (port in
 * use, bad certificate) is logged and does not take the node out of the cluster.
 */
export function congaModule(args: CongaArgs, runDirExplicit: boolean, hooks?: ConfigHooks): ClusterdModule {
  let handle: CongaHandle | undefined;
  /** The running config after an online update (cman_tool version -r / the page's Propagate). */
  let current: ClusterConfig | undefined;
  return {
    name: 'conga',
    async start(ctx) {
      const log = getLogger('conga', { node: ctx.node.name });
      hooks?.register({ name: 'conga', activate: (config) => { current = config; } });
      try {
        handle = await startConga({
          args, runDir: ctx.runDir, runDirExplicit, nodeName: ctx.node.name, nodeAddress: await resolveAddress(ctx.node.name),
          config: () => current ?? ctx.config, cman: ctx.cman, api: ctx.api,
        });
      } catch (err) {
        log.error(`conga (web page) not started: ${(err as Error).message}`);
      }
    },
    async stop() {
      await handle?.close();
      handle = undefined;
    },
  };
}
