// The APC/Tripplite model table of fence_apc_snmp (research/fence.md §2.3).
import { expect } from 'chai';
import { modelForSysObjectId, outletIdFromNameOid, outletSuffix, apcModels } from '../../../src/fence-agents/apc/models.js';

describe('fence_apc_snmp model table', () => {
  it('picks the model by sysObjectID, with or without a leading dot; unknown → Master Switch fallback', () => {
    expect(modelForSysObjectId('.1.3.6.1.4.1.318.1.3.4.5').label).to.equal('APC rPDU');
    expect(modelForSysObjectId('1.3.6.1.4.1.318.1.3.4.4').label).to.equal('APC Master Switch+');
    expect(modelForSysObjectId('1.3.6.1.4.1.318.1.3.4.6').label).to.equal('APC Master Switch with firmware v6.x');
    expect(modelForSysObjectId('1.3.6.1.4.1.850.1').key).to.equal('tripplite');
    expect(modelForSysObjectId('1.3.6.1.4.1.850.1.1.1').key).to.equal('tripplite-lx');
    expect(modelForSysObjectId('1.3.6.1.4.1.318.1.3.4.2').label).to.equal('APC Master Switch (fallback)');
    expect(modelForSysObjectId('').label).to.equal('APC Master Switch (fallback)');
  });

  it('has the OIDs and values of each model', () => {
    expect(apcModels.rpdu).to.include({ statusOid: '1.3.6.1.4.1.318.1.1.12.3.5.1.1.4', controlOid: '1.3.6.1.4.1.318.1.1.12.3.3.1.1.4',
      namesOid: '1.3.6.1.4.1.318.1.1.12.3.5.1.1.2', stateOn: 1, turnOff: 2 });
    expect(apcModels.msp).to.include({ turnOff: 3, hasSwitch: true });
    expect(apcModels.ms6).to.include({ statusOid: '1.3.6.1.4.1.318.1.1.4.4.2.1.3', controlOid: '1.3.6.1.4.1.318.1.1.12.3.3.1.1.4' });
    expect(apcModels.ms.statusOid).to.equal(apcModels.ms.controlOid);
    expect(apcModels.tripplite).to.include({ stateOn: 2, stateOff: 1, turnOn: 2, turnOff: 1 });
  });

  it('builds instance suffixes and list ids (MSP: switch.1.outlet ↔ switch:outlet)', () => {
    expect(outletSuffix(apcModels.rpdu, '1', '7')).to.equal('7');
    expect(outletSuffix(apcModels.msp, '2', '7')).to.equal('2.1.7');
    expect(outletIdFromNameOid(apcModels.rpdu, '.1.3.6.1.4.1.318.1.1.12.3.5.1.1.2.7')).to.equal('7');
    expect(outletIdFromNameOid(apcModels.msp, '1.3.6.1.4.1.318.1.1.6.7.1.1.4.2.1.7')).to.equal('2:7');
    expect(outletIdFromNameOid(apcModels.rpdu, '1.3.6.1.4.1.318.1.1.12.3.5.1.1.4.7')).to.equal(undefined);
    expect(outletIdFromNameOid(apcModels.tripplite, '1.3.6.1.4.1.850.10.2.3.5.1.5.1.7')).to.equal('7');
    expect(outletIdFromNameOid(apcModels['tripplite-lx'], '1.3.6.1.4.1.850.1.1.3.2.3.3.1.1.2.1.3')).to.equal('3');
  });
});
