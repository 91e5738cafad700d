// APC / Tripplite PDU models as fence_apc_snmp picks them by sysObjectID (research/fence.md §2.3):
// where the outlet state is read, where commands are written, where names are listed, and the
// values meaning on/off. Pure data; an unknown sysObjectID falls back to the old Master Switch.

export type ApcModelKey = 'rpdu' | 'msp' | 'ms6' | 'ms' | 'tripplite' | 'tripplite-lx';

export interface ApcModel {
  readonly key: ApcModelKey;
  /** fence_apc_snmp's log name ("Trying APC rPDU"). */
  readonly label: string;
  /** Status OID prefix; instance = `.<n>` or, for MSP, `.<switch>.1.<n>`. */
  readonly statusOid: string;
  /** Control OID prefix (SET INTEGER). */
  readonly controlOid: string;
  /** Name table column walked for list and plug names. */
  readonly namesOid: string;
  /** Status values meaning on / off (anything else counts as off, as upstream). */
  readonly stateOn: number;
  readonly stateOff: number;
  /** Command values for on / off. */
  readonly turnOn: number;
  readonly turnOff: number;
  /** Outlets are addressed as switch.1.outlet (Master Switch+). */
  readonly hasSwitch: boolean;
}

const apc = '1.3.6.1.4.1.318.1.1';

export const apcModels: Readonly<Record<ApcModelKey, ApcModel>> = {
  rpdu: { key: 'rpdu', label: 'APC rPDU', statusOid: `${apc}.12.3.5.1.1.4`, controlOid: `${apc}.12.3.3.1.1.4`,
    namesOid: `${apc}.12.3.5.1.1.2`, stateOn: 1, stateOff: 2, turnOn: 1, turnOff: 2, hasSwitch: false },
  msp: { key: 'msp', label: 'APC Master Switch+', statusOid: `${apc}.6.7.1.1.5`, controlOid: `${apc}.6.5.1.1.5`,
    namesOid: `${apc}.6.7.1.1.4`, stateOn: 1, stateOff: 2, turnOn: 1, turnOff: 3, hasSwitch: true },
  ms6: { key: 'ms6', label: 'APC Master Switch with firmware v6.x', statusOid: `${apc}.4.4.2.1.3`,
    controlOid: `${apc}.12.3.3.1.1.4`, namesOid: `${apc}.4.4.2.1.4`, stateOn: 1, stateOff: 2, turnOn: 1, turnOff: 2, hasSwitch: false },
  ms: { key: 'ms', label: 'APC Master Switch (fallback)', statusOid: `${apc}.4.4.2.1.3`, controlOid: `${apc}.4.4.2.1.3`,
    namesOid: `${apc}.4.4.2.1.4`, stateOn: 1, stateOff: 2, turnOn: 1, turnOff: 2, hasSwitch: false },
  tripplite: { key: 'tripplite', label: 'Tripplite', statusOid: '1.3.6.1.4.1.850.10.2.3.5.1.2.1',
    controlOid: '1.3.6.1.4.1.850.10.2.3.5.1.4.1', namesOid: '1.3.6.1.4.1.850.10.2.3.5.1.5',
    stateOn: 2, stateOff: 1, turnOn: 2, turnOff: 1, hasSwitch: false },
  'tripplite-lx': { key: 'tripplite-lx', label: 'Tripplite LX', statusOid: '1.3.6.1.4.1.850.1.1.3.2.3.3.1.1.4.1',
    controlOid: '1.3.6.1.4.1.850.1.1.3.2.3.3.1.1.6.1', namesOid: '1.3.6.1.4.1.850.1.1.3.2.3.3.1.1.2.1',
    stateOn: 2, stateOff: 1, turnOn: 2, turnOff: 1, hasSwitch: false },
};

/** sysObjectID → model (without leading dot). */
export const sysObjectIdModels: Readonly<Record<string, ApcModelKey>> = {
  '1.3.6.1.4.1.318.1.3.4.5': 'rpdu',
  '1.3.6.1.4.1.318.1.3.4.4': 'msp',
  '1.3.6.1.4.1.318.1.3.4.6': 'ms6',
  '1.3.6.1.4.1.850.1': 'tripplite',
  '1.3.6.1.4.1.850.1.1.1': 'tripplite-lx',
};

/** The model for a sysObjectID value (with or without leading dot); unknown → Master Switch. */
export function modelForSysObjectId(sysObjectId: string): ApcModel {
  const key = sysObjectIdModels[sysObjectId.replace(/^\./, '').trim()];
  return apcModels[key ?? 'ms'];
}

/** Instance suffix of an outlet: `.<n>` or `.<switch>.1.<n>`. */
export function outletSuffix(model: ApcModel, switchNo: string, outlet: string): string {
  return model.hasSwitch ? `${switchNo}.1.${outlet}` : outlet;
}

/** Outlet id as `list` prints it from a names-table instance OID (`<namesOid>.<suffix>`). */
export function outletIdFromNameOid(model: ApcModel, oid: string): string | undefined {
  const prefix = `${model.namesOid}.`;
  const clean = oid.replace(/^\./, '');
  if (!clean.startsWith(prefix)) return undefined;
  // as fence_apc_snmp: the outlet is the last arc (Tripplite names sit at <table>.<device>.<n>),
  // the switch of a Master Switch+ the third last
  const arcs = clean.slice(prefix.length).split('.').filter((a) => a !== '');
  const last = arcs[arcs.length - 1];
  if (last === undefined || !/^\d+$/.test(last)) return undefined;
  if (model.hasSwitch) {
    const sw = arcs[arcs.length - 3];
    return sw === undefined ? undefined : `${sw}:${last}`;
  }
  return last;
}
