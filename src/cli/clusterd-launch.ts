// How clusterd is started: the Node flags and environment that keep an idle node small. They must
// be given at process start (the young generation is sized when the heap is made; glibc reads its
// arena limit at the first allocation), so every place that starts clusterd uses this one list:
// bin/clusterd's shebang (and through it the systemd unit), the demo's power-on scripts and the
// test harnesses. test/unit/cman/clusterd-launch.test.ts checks that the shebang carries the same.
//
//   --max-semi-space-size=1  young generation of 2 x 1 MiB instead of growing to 2 x 16 MiB while
//                            the node starts (that garbage stayed in the RSS for tens of seconds)
//   --optimize-for-size      old generation collected after a small growth: the membership leader,
//                            which allocates the most, otherwise grows by ~1 MB / 10 s between
//                            full collections
//   MALLOC_ARENA_MAX=2       glibc gives every thread (V8's, libuv's, the config parser's) its own
//                            malloc arena otherwise: ~8 MB of mostly free arenas per node
export const CLUSTERD_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=1', '--optimize-for-size']);
export const CLUSTERD_ENV: Readonly<Record<string, string>> = Object.freeze({ MALLOC_ARENA_MAX: '2' });

/** node's argv for running the clusterd script at `clusterdBin` with `args`. */
export function clusterdNodeArgs(clusterdBin: string, args: readonly string[]): string[] {
  return [...CLUSTERD_NODE_FLAGS, clusterdBin, ...args];
}
