#!/usr/bin/env bash
# Installs the Debian packages the tests drive as real peers. Idempotent; needs root.
set -euo pipefail
pkgs=(
  libxml2-utils          # xmllint: the RHEL6 cluster.rng check beside ours
  openipmi ipmitool      # OpenIPMI's BMC simulator and the reference IPMI client
  snmpd snmp             # net-snmp as an APC PDU, and its command-line tools
  fence-agents           # Debian's fence_ipmilan / fence_apc_snmp, for side-by-side tables
  resource-agents        # Debian's OCF agents (ocf:heartbeat:Dummy, IPaddr2)
  iproute2 nftables iptables util-linux e2fsprogs psmisc  # namespaces, partitions, loop devices, mkfs, fuser
  apache2-bin            # the apache resource agent test
  chromium               # the browser tests
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "test dependencies present"
