// Option input of the shared fence-agent layer: argv, stdin and device args, as lib/fencing.py.
import { expect } from 'chai';
import { parseArgv, parseStdinText, parseKeyValues, resolveOptions, UsageError, optionsFromArgs } from '../../../src/fence-agents/agent/options.js';
import { fenceApcSnmp } from '../../../src/fence-agents/apc/fence_apc_snmp.js';
import { commonOptions, methodOption, portAsIpOption, type AgentDefinition } from '../../../src/fence-agents/agent/spec.js';

const specs = fenceApcSnmp.options;
const resolve = (argv: string[], env: NodeJS.ProcessEnv = {}) => resolveOptions(fenceApcSnmp, parseArgv(specs, argv).raw, { env });
const resolveStdin = (text: string) => resolveOptions(fenceApcSnmp, parseStdinText(specs, text).raw, { env: {} });
const usageMessage = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('fence-agent options: command line', () => {
  it('takes short, clustered, attached and long options with = or a separate value', () => {
    const o = resolve(['-a', '10.0.0.1', '-u161', '-n', '3', '--action=status', '-c', 'x', '--snmp-version', '2c', '-vv']);
    expect(o.get('ip')).to.equal('10.0.0.1');
    expect(o.int('ipport')).to.equal(161);
    expect(o.plugs).to.deep.equal(['3']);
    expect(o.action).to.equal('status');
    expect(o.get('community')).to.equal('x');
    expect(o.get('snmp_version')).to.equal('2c');
    expect(o.verbosity()).to.equal(2);
  });

  it('applies defaults from the table (action reboot, community private, v1, port 161, timeouts)', () => {
    const o = resolve(['-a', 'pdu', '-n', '1']);
    expect(o.action).to.equal('reboot');
    expect(o.get('community')).to.equal('private');
    expect(o.get('snmp_version')).to.equal('1');
    expect(o.int('ipport')).to.equal(161);
    expect(o.ms('power_timeout')).to.equal(20_000);
    expect(o.ms('login_timeout')).to.equal(5000);
    expect(o.ms('shell_timeout')).to.equal(3000);
    expect(o.int('retry_on')).to.equal(1);
    expect(o.get('method')).to.equal(undefined);
  });

  it('rejects unknown options and missing arguments with fencing.py texts', () => {
    expect(usageMessage(() => parseArgv(specs, ['--bogus']))).to.equal('Parse error: option --bogus not recognized');
    expect(usageMessage(() => parseArgv(specs, ['-Z']))).to.equal('Parse error: option -Z not recognized');
    expect(usageMessage(() => parseArgv(specs, ['-a']))).to.match(/requires argument/);
  });

  it('checks integers, seconds and choices (case-insensitive, canonical spelling kept)', () => {
    expect(usageMessage(() => resolve(['-a', 'x', '-n', '1', '-u', 'abc']))).to.equal(
      'Failed: The value you have entered for --ipport is not a valid integer');
    expect(usageMessage(() => resolve(['-a', 'x', '-n', '1', '--power-timeout', 'soon']))).to.equal(
      'Failed: The value you have entered for --power-timeout is not a valid time in seconds');
    expect(usageMessage(() => resolve(['-a', 'x', '-n', '1', '-d', '4']))).to.match(
      /^Failed: You have to enter a valid choice for --snmp-version from the valid values/);
    const o = resolve(['-a', 'x', '-n', '1', '-d', '2C', '-b', 'sha', '-E', 'AUTHPRIV']);
    expect([o.get('snmp_version'), o.get('snmp_auth_prot'), o.get('snmp_sec_level')]).to.deep.equal(['2c', 'SHA', 'authPriv']);
    expect(resolve(['-a', 'x', '-n', '1', '--power-wait', '0.5']).ms('power_wait')).to.equal(500);
  });

  it('requires ip, and plug except for list, list-status and monitor', () => {
    expect(usageMessage(() => resolve(['-n', '1']))).to.equal('Failed: You have to enter fence address');
    expect(usageMessage(() => resolve(['-a', 'x', '-o', 'off']))).to.equal(
      'Failed: You have to enter plug number or machine identification');
    expect(usageMessage(() => resolve(['-a', 'x', '-o', 'validate-all']))).to.equal(
      'Failed: You have to enter plug number or machine identification');
    for (const a of ['list', 'list-status', 'monitor']) expect(resolve(['-a', 'x', '-o', a]).action).to.equal(a);
    expect(resolve(['-o', 'metadata']).action).to.equal('metadata');
  });

  it('rejects unknown actions and normalises meta-data', () => {
    expect(usageMessage(() => resolve(['-a', 'x', '-n', '1', '-o', 'explode']))).to.equal("Failed: Unrecognised action 'explode'");
    expect(resolve(['-o', 'meta-data']).action).to.equal('metadata');
    expect(resolve(['-a', 'x', '-n', '1', '-o', 'STATUS']).action).to.equal('status');
  });

  it('splits plugs by the plug separator', () => {
    expect(resolve(['-a', 'x', '-n', '1,3, node4']).plugs).to.deep.equal(['1', '3', 'node4']);
    expect(resolve(['-a', 'x', '-n', '1;3', '--plug-separator', ';']).plugs).to.deep.equal(['1', '3']);
  });

  it('sets power/shell/login timeouts to 0 with disable_timeout or under pacemaker-fenced', () => {
    const o = resolve(['-a', 'x', '-n', '1', '--disable-timeout', 'true']);
    expect([o.ms('power_timeout'), o.ms('shell_timeout'), o.ms('login_timeout')]).to.deep.equal([0, 0, 0]);
    const p = resolve(['-a', 'x', '-n', '1'], { PCMK_service: 'pacemaker-fenced' });
    expect(p.ms('power_timeout')).to.equal(0);
    expect(resolve(['-a', 'x', '-n', '1', '--disable-timeout', 'false'], { PCMK_service: 'pacemaker-fenced' }).ms('power_timeout')).to.equal(20_000);
  });

  it('runs the password scripts', () => {
    const o = resolve(['-a', 'x', '-n', '1', '-S', 'echo s3cret', '-R', "printf 'priv  \\n'"]);
    expect(o.get('password')).to.equal('s3cret');
    expect(o.get('snmp_priv_passwd')).to.equal('priv');
    expect(usageMessage(() => resolve(['-a', 'x', '-n', '1', '-S', 'exit 3']))).to.match(/^Failed: Unable to run password-script/);
  });

  it('warns about leftover arguments', () => {
    expect(parseArgv(specs, ['-a', 'x', 'extra']).warnings).to.deep.equal(['Unused arguments on command line: extra']);
  });
});

describe('fence-agent options: stdin and device args', () => {
  it('accepts canonical, long and legacy names, with - and _ alike', () => {
    const o = resolveStdin([
      'ipaddr=10.1.1.1', 'ipport=1161', 'login=fence', 'passwd=pw', 'port=node2', 'snmp-version=3',
      'snmp_priv_passwd=pp', 'power-timeout=7',
    ].join('\n'));
    expect(o.get('ip')).to.equal('10.1.1.1');
    expect(o.int('ipport')).to.equal(1161);
    expect(o.get('username')).to.equal('fence');
    expect(o.get('password')).to.equal('pw');
    expect(o.plugs).to.deep.equal(['node2']);
    expect(o.get('snmp_version')).to.equal('3');
    expect(o.ms('power_timeout')).to.equal(7000);
  });

  it('takes option= and operation= (RHCS cluster.conf) as action, and action= itself', () => {
    expect(resolveStdin('option=off\nip=x\nplug=1').action).to.equal('off');
    expect(resolveStdin('operation=status\nip=x\nplug=1').action).to.equal('status');
    expect(resolveStdin('action=on\nip=x\nplug=1').action).to.equal('on');
    expect(resolveStdin('ip=x\nplug=1').action).to.equal('reboot');
  });

  it('skips blank lines and comments, strips quotes, ignores nodename and agent, warns on unknown keys', () => {
    const parsed = parseStdinText(specs, '# a comment\n\n ip = "10.0.0.9" \nnodename=node1\nagent=fence_apc_snmp\nwhatever=1\nno equals sign\n');
    expect(parsed.raw.get('ip')).to.equal('10.0.0.9');
    expect(parsed.raw.has('nodename')).to.equal(false);
    expect(parsed.warnings).to.deep.equal([
      "Parse error: Ignoring unknown option 'no equals sign'",
      "Parse error: Ignoring unknown option 'whatever=1'",
    ]);
  });

  it('reads booleans as fence-agents does (1/yes/on/true set, 0/no/off/false unset)', () => {
    expect(parseKeyValues(specs, [['inet4_only', 'yes']]).raw.get('inet4_only')).to.equal('1');
    expect(parseKeyValues(specs, [['inet4_only', 'TRUE']]).raw.get('inet4_only')).to.equal('1');
    expect(parseKeyValues(specs, [['inet4_only', 'off']]).raw.has('inet4_only')).to.equal(false);
    const bad = parseKeyValues(specs, [['inet4_only', 'maybe']]);
    expect(bad.raw.has('inet4_only')).to.equal(false);
    expect(bad.warnings[0]).to.match(/inet4_only/);
    expect(resolveStdin('ip=x\nplug=1\nverbose=1').verbosity()).to.equal(1);
  });

  it('builds options from cluster.conf device attributes (optionsFromArgs)', () => {
    const { options, warnings } = optionsFromArgs(fenceApcSnmp,
      { ipaddr: 'pdu1', community: 'c', port: '4', option: 'off', name: 'pdu1dev' }, { env: {} });
    expect(options.action).to.equal('off');
    expect(options.get('ip')).to.equal('pdu1');
    expect(options.plugs).to.deep.equal(['4']);
    expect(warnings).to.deep.equal([]);
  });
});

describe('fence-agent options: features for other agents (fence_ipmilan style)', () => {
  const def: AgentDefinition = {
    name: 'fence_x', shortdesc: 'x', longdesc: 'x', vendorUrl: 'x', hasPlugs: false, version: '1',
    options: [...commonOptions({ plugs: true, ipportDefault: '623', defaults: { power_wait: '2' },
      overrides: { ip: { required: false, enforceRequired: true }, plug: { required: false, argName: 'ip' } } }),
    methodOption, portAsIpOption],
    actions: ['on', 'off', 'reboot', 'status', 'monitor', 'metadata', 'validate-all'],
    createDriver: () => { throw new Error('unused'); },
  };
  const res = (argv: string[]) => resolveOptions(def, parseArgv(def.options, argv).raw, { env: {} });

  it('applies defaults and overrides, keeps ip enforced although metadata says optional', () => {
    const o = res(['-a', 'bmc', '-o', 'status']);
    expect([o.int('ipport'), o.ms('power_wait'), o.get('method')]).to.deep.equal([623, 2000, 'onoff']);
    expect(def.options.find((x) => x.name === 'ip')?.required).to.equal(false);
    expect(usageMessage(() => res(['-o', 'status']))).to.equal('Failed: You have to enter fence address');
  });

  it('--port-as-ip makes the plug the address', () => {
    expect(res(['--port-as-ip', '-n', '10.1.2.3', '-o', 'status']).get('ip')).to.equal('10.1.2.3');
  });

  it('-m cycle is a valid method choice, anything else is not', () => {
    expect(res(['-a', 'b', '-m', 'CYCLE']).get('method')).to.equal('cycle');
    expect(usageMessage(() => res(['-a', 'b', '-m', 'twice']))).to.match(/valid choice for --method/);
  });
});
