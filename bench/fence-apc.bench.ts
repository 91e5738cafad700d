// fence_apc_snmp benchmarks against the real net-snmp APC PDU (../shared/peers/apc-pdu-sim.sh,
// UDP 11630): `status` as a process, ours vs Debian's fence-agents 4.12.1, with `node -e 0`
// measured in the same run as the process-start baseline; `off` and `reboot` in-process through
// fence() (the fence daemon's path), and `off` in-process against our own simulator.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile, type Bench, type BenchResult } from './harness.js';
import { fence } from '../src/fence-agents/index.js';
import { startPduSim } from '../src/fence-agents/apc/pdu-sim.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sharedDir = process.env['CLUSTER_SHARED_DIR'] ?? path.resolve(repoRoot, '../shared');
const peerScript = path.join(sharedDir, 'peers/apc-pdu-sim.sh');
const debianAgent = '/usr/sbin/fence_apc_snmp';
const ourAgent = path.join(repoRoot, 'bin/fence_apc_snmp');
const port = 11630;
const processRuns = 15;
const inProcessRuns = 30;

function exec(cmd: string, args: readonly string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { env: { ...process.env, PYTHONWARNINGS: 'ignore' } }, (err, stdout) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? 1), stdout });
    });
  });
}

interface Peer { dir: string; stop(): Promise<void> }

async function startPeer(): Promise<Peer> {
  const r = await exec(peerScript, ['start', '--port', String(port), '--names', 'node1,node2', '--outlets', '4', '--reboot-delay', '0']);
  const dir = /APC_SIM_DIR=(.*)/.exec(r.stdout)?.[1]?.trim();
  if (r.code !== 0 || dir === undefined) throw new Error(`apc-pdu-sim.sh start failed (exit ${r.code})`);
  return { dir, stop: async () => { await exec(peerScript, ['stop', '--port', String(port)]); } };
}

function stats(samples: number[]): { median: number; p90: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p90: quantile(s, 0.9) };
}

async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

interface ProcessNumbers { node: number[]; ours: number[]; debian: number[]; error?: string }
let processNumbers: Promise<ProcessNumbers> | undefined;

/** The three process measurements, interleaved so that machine load hits them alike. */
function measureProcesses(): Promise<ProcessNumbers> {
  processNumbers ??= (async () => {
    const nums: ProcessNumbers = { node: [], ours: [], debian: [] };
    if (!existsSync(peerScript)) return { ...nums, error: `missing ${peerScript}` };
    const peer = await startPeer();
    try {
      const args = ['-a', '127.0.0.1', '-u', String(port), '-n', 'node2', '-o', 'status'];
      const haveDebian = existsSync(debianAgent);
      for (let i = 0; i < processRuns + 2; i++) {
        const n = await timeOnce(() => exec(process.execPath, ['-e', '0']));
        const o = await timeOnce(async () => { const r = await exec(ourAgent, args); if (r.code !== 0) throw new Error(`ours exit ${r.code}`); });
        const d = haveDebian ? await timeOnce(() => exec(debianAgent, args)) : Number.NaN;
        if (i < 2) continue; // warm-up
        nums.node.push(n);
        nums.ours.push(o);
        if (haveDebian) nums.debian.push(d);
      }
    } finally {
      await peer.stop();
    }
    return nums;
  })();
  return processNumbers;
}

const fmt = (n: number) => (Number.isNaN(n) ? 'n/a' : `${n.toFixed(0)} ms`);

async function inProcess(action: 'off' | 'reboot'): Promise<BenchResult> {
  const peer = await startPeer();
  const outlet = path.join(peer.dir, 'state', 'outlet.2');
  try {
    const device = { agent: 'fence_apc_snmp', args: { ipaddr: '127.0.0.1', ipport: String(port), community: 'private' } };
    const total: number[] = [];
    const offHalf: number[] = [];
    for (let i = 0; i < inProcessRuns + 2; i++) {
      writeFileSync(outlet, '1\n'); // outlet on before each run
      const r = await fence(device, { port: '2' }, action, { timeoutMs: 30_000 });
      if (!r.ok) throw new Error(`${action} failed: ${r.message}`);
      if (i < 2) continue;
      total.push(r.durationMs);
      if (r.offConfirmedMs !== undefined) offHalf.push(r.offConfirmedMs);
    }
    const state = readFileSync(outlet, 'utf8').trim();
    const t = stats(total);
    const off = stats(offHalf);
    return {
      name: `fence_apc_snmp ${action} in-process (fence(), real snmpd PDU)`, unit: 'ms', median: t.median, p90: t.p90, samples: total.length,
      baseline: action === 'reboot'
        ? `OFF half confirmed after median ${off.median.toFixed(1)} ms; outlet ${state === '1' ? 'on' : 'off'} at end`
        : `outlet ${state === '1' ? 'on' : 'off'} at end`,
    };
  } finally {
    await peer.stop();
  }
}

export const benches: Bench[] = [
  {
    name: 'node -e 0 (process start baseline)',
    async run() {
      const n = await measureProcesses();
      const s = stats(n.node);
      return { name: this.name, unit: 'ms', median: s.median, p90: s.p90, samples: n.node.length, ...(n.error ? { error: n.error } : {}) };
    },
  },
  {
    name: 'fence_apc_snmp status as a process (Debian fence-agents 4.12.1)',
    async run() {
      const n = await measureProcesses();
      const s = stats(n.debian);
      return { name: this.name, unit: 'ms', median: s.median, p90: s.p90, samples: n.debian.length,
        baseline: `node -e 0: ${fmt(stats(n.node).median)}`, ...(n.error ? { error: n.error } : {}) };
    },
  },
  {
    name: 'fence_apc_snmp status as a process (ours)',
    async run() {
      const n = await measureProcesses();
      const s = stats(n.ours);
      const d = stats(n.debian).median;
      const base = stats(n.node).median;
      return {
        name: this.name, unit: 'ms', median: s.median, p90: s.p90, samples: n.ours.length, goal: '< Debian (286 ms earlier)',
        baseline: `Debian: ${fmt(d)} (${(d / s.median).toFixed(1)}x ours); node -e 0: ${fmt(base)}; ours minus node start: ${fmt(s.median - base)}`,
        ...(n.error ? { error: n.error } : {}),
      };
    },
  },
  { name: 'fence_apc_snmp off in-process', run: () => inProcess('off') },
  { name: 'fence_apc_snmp reboot in-process', run: () => inProcess('reboot') },
  {
    name: 'fence_apc_snmp off in-process against our simulator',
    async run() {
      const sim = await startPduSim({ port: 11660, outlets: 2 });
      try {
        const device = { agent: 'fence_apc_snmp', args: { ipaddr: '127.0.0.1', ipport: '11660' } };
        const total: number[] = [];
        for (let i = 0; i < inProcessRuns + 2; i++) {
          sim.setPower(1, 'on');
          const r = await fence(device, { port: '1' }, 'off');
          if (!r.ok) throw new Error(r.message);
          if (i >= 2) total.push(r.durationMs);
        }
        const s = stats(total);
        return { name: 'fence_apc_snmp off in-process (our apc_pdu_sim)', unit: 'ms', median: s.median, p90: s.p90, samples: total.length };
      } finally {
        await sim.close();
      }
    },
  },
];
