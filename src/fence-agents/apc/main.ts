// bin/fence_apc_snmp: the command-line agent. Imports only the agent layer's CLI and the SNMP
// driver (no logger, no config) to keep the process start short.
import { agentMain } from '../agent/cli.js';
import { fenceApcSnmp } from './fence_apc_snmp.js';

agentMain(fenceApcSnmp);
