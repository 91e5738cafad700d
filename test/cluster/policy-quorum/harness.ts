// Process tests of rgmanager's quorum (127.0.6.N): real clusterd processes, a quorum disk on a
// temp file, script services that record where they run, and a small fence agent run as a child
// process with the fence-agents stdin protocol whose "power switch" is the victim's clusterd
// process: off = SIGKILL it (and everything it ran is gone: its service marker files removed).
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestCluster } from '../cman/harness.js';
import { writeServiceScript } from '../rgmanager/harness.js';

/** The fence agent; the device's `ipaddr` is the directory holding `<node>.pid` (and `unreachable.<node>`). */
export function writeFenceAgent(dir: string): string {
  const file = path.join(dir, 'fence_pq');
  writeFileSync(file, `#!/bin/bash
action=reboot; port=""; d=""
while IFS='=' read -r k v; do
  case "$k" in action|option) action="$v";; port|plug|nodename) port="$v";; ipaddr) d="$v";; esac
done
pid=$(cat "$d/$port.pid" 2>/dev/null)
alive() { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
# unreachable.<node>: this node's power switch cannot be reached (e.g. behind the partition)
unreachable() { [ -e "$d/unreachable.$port" ]; }
case "$action" in
  status|off|reboot|on) if unreachable; then echo "Failed: unable to connect to the power switch of $port" >&2; exit 1; fi;;
esac
case "$action" in
  metadata) echo '<?xml version="1.0" ?><resource-agent name="fence_pq" shortdesc="test power switch"><parameters/><actions><action name="on"/><action name="off"/><action name="reboot"/><action name="status"/><action name="monitor"/><action name="metadata"/></actions></resource-agent>'; exit 0;;
  monitor|list) exit 0;;
  status) if alive; then echo "Status: ON"; exit 0; fi; echo "Status: OFF"; exit 2;;
  off|reboot)
    alive && kill -9 "$pid"
    for i in $(seq 100); do alive || break; sleep 0.05; done
    alive && exit 1
    rm -f "$d"/*.on."$port"
    echo "$(date +%s%3N) off $port" >> "$d/fence.log"; exit 0;;
  on) exit 0;;
esac
exit 1
`);
  chmodSync(file, 0o755);
  return file;
}

export interface PqConfOptions {
  name: string;
  nodes: string[];
  port: number;
  dir: string;
  services: string[];
  /** `<quorumd .../>` line, with expected_votes. */
  quorumd?: { line: string; expectedVotes: number; pollMs: number };
  postFailDelayS: number;
}

export function pqClusterConf(o: PqConfOptions): string {
  const agent = writeFenceAgent(o.dir);
  const cman = [`port="${o.port}"`];
  if (o.quorumd !== undefined) cman.push(`expected_votes="${o.quorumd.expectedVotes}"`, `quorum_dev_poll="${o.quorumd.pollMs}"`);
  const nodes = o.nodes.map((n, i) => `    <clusternode name="${n}" nodeid="${i + 1}" votes="1">
      <fence><method name="1"><device name="power" port="${n}"/></method></fence>
    </clusternode>`).join('\n');
  const services = o.services.map((s) => `    <service name="${s}" autostart="1" recovery="relocate">
      <script name="${s}-script" file="${writeServiceScript(o.dir, s)}">
        <action name="status" depth="0" interval="1"/>
      </script>
    </service>`).join('\n');
  return `<?xml version="1.0"?>
<cluster name="${o.name}" config_version="1">
  <cman ${cman.join(' ')}/>
  <totem token="1000"/>
${o.quorumd?.line ?? ''}
  <fence_daemon post_join_delay="0" post_fail_delay="${o.postFailDelayS}" clean_start="1" override_time="1"/>
  <clusternodes>
${nodes}
  </clusternodes>
  <fencedevices>
    <fencedevice name="power" agent="${agent}" ipaddr="${o.dir}"/>
  </fencedevices>
  <rm status_poll_interval="1">
${services}
  </rm>
</cluster>
`;
}

/** Start a node and record its clusterd pid for the fence agent. */
export function startNode(c: TestCluster, node: string, conf: string, netns?: string): void {
  const child = c.start(node, conf, netns);
  writeFileSync(path.join(c.dir, `${node}.pid`), String(child.pid));
}
