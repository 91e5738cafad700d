// fence_apc_snmp (and its symlink name fence_tripplite_snmp): options as fence-agents 4.x has
// them (../shared/peer/fence-agents/metadata/fence_apc_snmp.xml is a subset of our metadata).
import { type AgentDefinition, type OptionSpec, commonOptions } from '../agent/spec.js';
import { ApcSnmpDriver, settingsFromOptions } from './snmp-driver.js';

const snmpOptions: readonly OptionSpec[] = [
  { name: 'community', short: 'c', type: 'string', default: 'private', argName: 'community',
    shortdesc: 'Set the community string', order: 1 },
  { name: 'snmp_version', short: 'd', type: 'select', choices: ['1', '2c', '3'], default: '1', argName: 'version',
    shortdesc: 'Specifies SNMP version to use', order: 1 },
  { name: 'snmp_auth_prot', short: 'b', type: 'select', choices: ['MD5', 'SHA'], argName: 'prot',
    shortdesc: 'Set authentication protocol', order: 1 },
  { name: 'snmp_sec_level', short: 'E', type: 'select', choices: ['noAuthNoPriv', 'authNoPriv', 'authPriv'], argName: 'level',
    shortdesc: 'Set security level', order: 1 },
  { name: 'snmp_priv_prot', short: 'B', type: 'select', choices: ['DES', 'AES'], argName: 'prot',
    shortdesc: 'Set privacy protocol', order: 1 },
  { name: 'snmp_priv_passwd', short: 'P', type: 'string', argName: 'pass',
    shortdesc: 'Set privacy protocol password', order: 1 },
  { name: 'snmp_priv_passwd_script', short: 'R', type: 'string', getoptText: '-R, --snmp-priv-passwd-script',
    shortdesc: 'Script to run to retrieve privacy password', order: 1 },
  { name: 'switch', short: 's', type: 'string', default: '1', argName: 'id',
    shortdesc: 'Physical switch number on device (Master Switch+; also -n <switch>:<outlet>)', order: 1 },
  { name: 'inet4_only', short: '4', type: 'boolean', shortdesc: 'Forces agent to use IPv4 addresses only', order: 1 },
  { name: 'inet6_only', short: '6', type: 'boolean', shortdesc: 'Forces agent to use IPv6 addresses only', order: 1 },
  { name: 'separator', short: 'C', type: 'string', default: ',', argName: 'char',
    shortdesc: "Separator for CSV created by 'list' operation", order: 101 },
  { name: 'snmpget_path', type: 'string', argName: 'path', noContent: true,
    shortdesc: 'Path to snmpget binary (accepted for compatibility; this agent speaks SNMP itself)', order: 300 },
  { name: 'snmpset_path', type: 'string', argName: 'path', noContent: true,
    shortdesc: 'Path to snmpset binary (accepted for compatibility; this agent speaks SNMP itself)', order: 301 },
  { name: 'snmpwalk_path', type: 'string', argName: 'path', noContent: true,
    shortdesc: 'Path to snmpwalk binary (accepted for compatibility; this agent speaks SNMP itself)', order: 302 },
];

export const fenceApcSnmp: AgentDefinition = {
  name: 'fence_apc_snmp',
  symlinks: [{ name: 'fence_tripplite_snmp', shortdesc: 'Fence agent for Tripplife over SNMP' }],
  shortdesc: 'Fence agent for APC, Tripplite PDU over SNMP',
  longdesc: 'fence_apc_snmp is a Power Fencing agent which can be used with the APC network power switch or Tripplite PDU devices.' +
    'It logs into a device via SNMP and reboots a specified outlet. It supports SNMP v1, v2c, v3 with all combinations of ' +
    ' authenticity/privacy settings. Several plugs (-n 1,3) are all switched and confirmed.',
  vendorUrl: 'http://www.apc.com',
  options: [...commonOptions({ plugs: true, ipportDefault: '161' }), ...snmpOptions],
  actions: ['on', 'off', 'reboot', 'status', 'list', 'list-status', 'monitor', 'metadata', 'manpage', 'validate-all'],
  hasPlugs: true,
  version: '4.12.1 (cluster-suite)',
  createDriver(options, log) {
    return new ApcSnmpDriver(settingsFromOptions(options, (m) => log('debug', m)));
  },
};
