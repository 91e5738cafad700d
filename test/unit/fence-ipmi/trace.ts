// Reads the captured ipmitool <-> ipmi_sim sessions in ../shared/peer/ipmi-trace (ipmitool -vvvvv).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../../support/paths.js';

export interface TracePacket {
  dir: 'send' | 'recv';
  bytes: Buffer;
}

export interface TraceCommand {
  netFn: number;
  cmd: number;
  data: Buffer;
}

export interface Trace {
  packets: TracePacket[];
  /** Hex blocks by their label, in order ("Initialization vector", "Console generated random number", ...). */
  blocks: Map<string, Buffer[]>;
  /** lanplus traces: the ">> Sending IPMI command payload" blocks. */
  commands: TraceCommand[];
}

export const traceDir = path.join(sharedDir, 'peer', 'ipmi-trace');

const hexLine = /^\s((?:[0-9a-f]{2} ?)+)\s*$/;

export function readTrace(file: string): Trace {
  const lines = readFileSync(path.join(traceDir, file), 'utf8').split('\n');
  const packets: TracePacket[] = [];
  const blocks = new Map<string, Buffer[]>();
  const commands: TraceCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const head = /^(?:>> |<< )?(.*?) \((\d+) bytes\)\s*$/.exec(line);
    if (head !== null) {
      const label = head[1] ?? '';
      const len = Number(head[2]);
      const hex: string[] = [];
      let j = i + 1;
      for (; j < lines.length && hex.length < len; j++) {
        const m = hexLine.exec(lines[j] ?? '');
        if (m === null) break;
        hex.push(...(m[1] ?? '').trim().split(/\s+/));
      }
      const bytes = Buffer.from(hex.join(''), 'hex');
      if (bytes.length !== len) continue; // e.g. "get_auth_capabilities (8 bytes)" printed without hex in some places
      if (/^(sending packet|send_packet)$/.test(label)) packets.push({ dir: 'send', bytes });
      else if (/^(received packet|recv_packet)$/.test(label)) packets.push({ dir: 'recv', bytes });
      else blocks.set(label, [...(blocks.get(label) ?? []), bytes]);
      i = j - 1;
      continue;
    }
    if (line.startsWith('>> Sending IPMI command payload')) {
      const netFn = /netfn\s*:\s*0x([0-9a-f]+)/.exec(lines[i + 1] ?? '');
      const cmd = /command\s*:\s*0x([0-9a-f]+)/.exec(lines[i + 2] ?? '');
      const data = /data\s*:\s*(.*)$/.exec(lines[i + 3] ?? '');
      if (netFn === null || cmd === null || data === null) throw new Error(`${file}:${i + 1}: unreadable command block`);
      const bytes = (data[1] ?? '').trim().split(/\s+/).filter((s) => s !== '').map((s) => Number.parseInt(s, 16));
      commands.push({ netFn: Number.parseInt(netFn[1] ?? '', 16), cmd: Number.parseInt(cmd[1] ?? '', 16), data: Buffer.from(bytes) });
    }
  }
  return { packets, blocks, commands };
}

/** A random source that hands out the given byte strings in order, checking each length. */
export function scriptedRandom(chunks: Buffer[]): { random: (n: number) => Buffer; left: () => number } {
  const q = [...chunks];
  return {
    random: (n: number) => {
      const next = q.shift();
      if (next === undefined) throw new Error(`random(${n}) asked, but the script is used up`);
      if (next.length !== n) throw new Error(`random(${n}) asked, script has ${next.length} bytes next`);
      return Buffer.from(next);
    },
    left: () => q.length,
  };
}
