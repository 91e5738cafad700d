// The command-line face of a fence agent: argv (any argument given) or stdin key=value lines,
// then the action; result lines on stdout, "<time> ERROR: ..." lines on stderr as fence-agents
// writes them; exit 0/1/2. bin/<agent> shims call agentMain(definition).
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgv, parseStdinText, resolveOptions, UsageError, type FenceOptions } from './options.js';
import { runAction, type LogLevel } from './engine.js';
import type { AgentDefinition } from './spec.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whole stdin; only read when no argument is given. */
  readonly readStdin: () => Promise<string>;
  readonly invokedAs: string;
  readonly env: NodeJS.ProcessEnv;
}

/** `2026-11-27 17:30:01,123` as Python's logging prints it. */
function stamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

const levelWord: Readonly<Record<LogLevel, string>> = { error: 'ERROR', warn: 'WARNING', info: 'INFO', debug: 'DEBUG' };

async function readAll(stream: NodeJS.ReadableStream, limitBytes = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > limitBytes) throw new UsageError(`Failed: more than ${limitBytes} bytes on stdin`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Run the agent with `argv`; returns the exit code. */
export async function runAgentCli(def: AgentDefinition, argv: readonly string[], io: CliIo): Promise<number> {
  let verbosity = 0;
  let quiet = false;
  let debugFile: string | undefined;
  const emit = (level: LogLevel, message: string) => {
    const line = `${stamp()} ${levelWord[level]}: ${message}\n`;
    if (debugFile !== undefined && (level !== 'debug' || verbosity > 0)) {
      try { appendFileSync(debugFile, line); } catch { /* reported once below */ }
    }
    if (quiet || ((level === 'debug' || level === 'info') && verbosity < 1)) return;
    io.stderr(line);
  };

  let options: FenceOptions;
  try {
    const parsed = argv.length > 0 ? parseArgv(def.options, argv) : parseStdinText(def.options, await io.readStdin());
    quiet = parsed.raw.has('quiet');
    for (const w of parsed.warnings) emit('warn', w);
    if (parsed.raw.has('help')) { io.stdout((await import('./metadata.js')).usageText(def, io.invokedAs)); return 0; }
    if (parsed.raw.has('version')) { io.stdout(`${def.version}\n`); return 0; }
    options = resolveOptions(def, parsed.raw, { invokedAs: io.invokedAs, env: io.env });
  } catch (err) {
    if (err instanceof UsageError) {
      emit('error', err.message);
      emit('error', "Please use '-h' for usage");
      return 1;
    }
    throw err;
  }
  verbosity = options.verbosity();
  debugFile = options.get('debug_file');
  if (debugFile !== undefined) {
    try { appendFileSync(debugFile, ''); } catch {
      emit('error', `Failed: Unable to create file ${debugFile}`);
      return 1;
    }
  }
  const outcome = await runAction(def, options, { invokedAs: io.invokedAs, log: emit });
  if (outcome.stdout.length > 0) io.stdout(outcome.stdout.join('\n') + '\n');
  // runAction already logged a failed ON half of a reboot; everything else is printed here.
  // Upstream text first (scripts grep for fence-agents' texts), our explanation on the next line.
  if (outcome.exitCode === 1) for (const line of outcome.errorLines) emit('error', line);
  return outcome.exitCode;
}

/** Entry point for bin/<agent>: real process I/O, sets process.exitCode. */
export function agentMain(def: AgentDefinition): void {
  const io: CliIo = {
    stdout: (t) => { process.stdout.write(t); },
    stderr: (t) => { process.stderr.write(t); },
    readStdin: () => readAll(process.stdin),
    invokedAs: path.basename(process.argv[1] ?? def.name).replace(/\.js$/, ''),
    env: process.env,
  };
  runAgentCli(def, process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  }, (err: unknown) => {
    process.stderr.write(`${stamp()} ERROR: Failed: Generic error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
