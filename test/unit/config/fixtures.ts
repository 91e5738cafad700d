// A small valid cluster.conf and helpers to break it in one place (tests know the line of the fault).

export const baseConf = `<?xml version="1.0"?>
<cluster name="alpha" config_version="7">
  <cman/>
  <clusternodes>
    <clusternode name="n1" nodeid="1">
      <fence>
        <method name="1">
          <device name="ipmi1"/>
        </method>
      </fence>
    </clusternode>
    <clusternode name="n2" nodeid="2">
      <fence>
        <method name="1">
          <device name="ipmi2"/>
        </method>
      </fence>
    </clusternode>
    <clusternode name="n3" nodeid="3">
      <fence>
        <method name="1">
          <device name="ipmi3"/>
        </method>
      </fence>
    </clusternode>
  </clusternodes>
  <fencedevices>
    <fencedevice name="ipmi1" agent="fence_ipmilan" ipaddr="127.0.0.1" login="admin" passwd="secret"/>
    <fencedevice name="ipmi2" agent="fence_ipmilan" ipaddr="127.0.0.1" login="admin" passwd="secret"/>
    <fencedevice name="ipmi3" agent="fence_ipmilan" ipaddr="127.0.0.1" login="admin" passwd="secret"/>
  </fencedevices>
  <rm>
    <failoverdomains>
      <failoverdomain name="pref" ordered="1" restricted="1">
        <failoverdomainnode name="n1" priority="1"/>
        <failoverdomainnode name="n2" priority="2"/>
      </failoverdomain>
    </failoverdomains>
    <resources>
      <ip address="10.1.1.1"/>
      <fs name="data" device="/dev/sdb1" mountpoint="/data" fstype="ext4"/>
      <service name="shared" recovery="relocate"/>
    </resources>
    <service name="web" domain="pref" recovery="restart">
      <ip ref="10.1.1.1">
        <fs ref="data">
          <script name="httpd" file="/etc/init.d/httpd"/>
        </fs>
      </ip>
    </service>
    <service name="db" depend="service:web"/>
    <service ref="shared"/>
  </rm>
</cluster>
`;

/** Replace the first occurrence of `from` (which must exist). */
export function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return text.replace(from, to);
}

/** 1-based line of the first occurrence of `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`no ${needle}`);
  return text.slice(0, i).split('\n').length;
}
