// clusvcadm: service requests to rgmanager through the local daemon, with RHCS messages and exit
// codes (options/messages in clusvcadm-lib.ts; ../shared/research/rgmanager.md §5.2).
import { ApiClient, ApiError } from '../api/index.js';
import type { RgLockOp } from '../api/rgmanager.js';
import {
  CLUSVCADM_USAGE, exitCodeFor, matchMember, parseClusvcadmArgs, requestBanner, rgStrerror, runningLine, RG_ERRORS,
  type ClusvcadmAction,
} from './clusvcadm-lib.js';
import { fetchSnapshot, suiteVersion } from './ops-model.js';

let out = (s: string): void => { process.stdout.write(s); };

const LOCK_TEXT: Readonly<Record<RgLockOp, { ok: (locked: boolean) => string; failed: string }>> = {
  lock: { ok: () => 'Resource groups locked', failed: 'Lock operation failed' },
  unlock: { ok: () => 'Resource groups unlocked', failed: 'Unlock operation failed' },
  query: { ok: (locked) => (locked ? 'Resource groups locked' : 'Resource groups unlocked'), failed: 'Query operation failed' },
};

async function lockOp(client: ApiClient, op: RgLockOp): Promise<number> {
  try {
    const r = await client.request('rg.lock', { op }, 10_000);
    out(`${LOCK_TEXT[op].ok(r.locked)}\n`);
    return 0;
  } catch {
    out(`${LOCK_TEXT[op].failed}\n`);
    return 1;
  }
}

async function serviceOp(client: ApiClient, a: Extract<ClusvcadmAction, { kind: 'service' }>): Promise<number> {
  const snap = await fetchSnapshot(client);
  if (snap.rg === undefined || !snap.localRgmanager) {
    process.stderr.write('Could not connect to resource group manager\n');
    return 1;
  }
  let member = a.member;
  if (member !== undefined) {
    const m = matchMember(member, snap.rg.nodes.map((n) => n.name));
    if (m.message !== undefined) out(m.message);
    if (!m.ok) return 1;
    member = m.name;
    if (a.op === 'migrate' && snap.rg.nodes.find((n) => n.name === member)?.online !== true) {
      out(`'${member}' is offline\n`);
      return 1;
    }
  }
  out(`${requestBanner(a.op, a.service, member)}...`);
  try {
    const reply = await client.request('rg.request', {
      op: a.op, service: a.service, ...(member !== undefined ? { target: member } : {}),
      ...(a.followDomain ? { followDomain: true } : {}),
    }, 130_000);
    const text = RG_ERRORS[reply.codeNumber] !== undefined ? rgStrerror(reply.codeNumber) : reply.message;
    out(`${text}\n`);
    if (reply.codeNumber === 0) out(runningLine(a.op, a.service, member, reply.owner ?? undefined));
    return exitCodeFor(reply.codeNumber);
  } catch (err) {
    // The request could not be carried to rgmanager (not running here, or no answer in time).
    out(`${rgStrerror(-1)}\n`);
    process.stderr.write(`clusvcadm: ${err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error).message}\n`);
    return exitCodeFor(-1);
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseClusvcadmArgs(argv);
  if ('error' in parsed) {
    if (parsed.error !== '') process.stderr.write(`${parsed.error}\n`);
    if (parsed.usage) process.stdout.write(CLUSVCADM_USAGE);
    return 1;
  }
  const { action, quiet } = parsed;
  if (action.kind === 'help') { process.stdout.write(CLUSVCADM_USAGE); return 0; }
  if (action.kind === 'version') { process.stdout.write(`clusvcadm version ${suiteVersion()}\n`); return 0; }
  if (quiet) out = () => {};
  let client: ApiClient;
  try {
    client = await ApiClient.connect({ timeoutMs: 5000 });
  } catch {
    process.stderr.write('Could not connect to resource group manager\n');
    return 1;
  }
  try {
    if (action.kind === 'service') return await serviceOp(client, action);
    return await lockOp(client, action.kind);
  } catch {
    process.stderr.write('Could not connect to resource group manager\n');
    return 1;
  } finally {
    client.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
