// clusterd's conga options and the loopback rule for plain HTTP.
import { expect } from 'chai';
import { defaultCongaArgs, isLoopback, parseCongaArg } from '../../../src/conga/index.js';

describe('conga options', () => {
  it('parses --http-port/--http-address/--tls-*/--http-plain/--no-http/--conga-dir and leaves others', () => {
    const a = defaultCongaArgs();
    const argv = ['--http-port', '8500', '--http-address', '127.0.4.9', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--http-plain', '--no-http', '--conga-dir', '/x', '--node', 'n1'];
    let i = 0; const rest: string[] = [];
    while (i < argv.length) {
      const last = parseCongaArg(argv, i, a);
      if (last < 0) { rest.push(argv[i]!); i++; } else i = last + 1;
    }
    expect(a).to.deep.equal({ httpPort: 8500, httpAddress: '127.0.4.9', tlsCert: 'c.pem', tlsKey: 'k.pem', plain: true, disabled: true, stateDir: '/x' });
    expect(rest).to.deep.equal(['--node', 'n1']);
    expect(defaultCongaArgs().httpPort).to.equal(8084);
  });
  it('refuses a bad port or a missing value', () => {
    expect(() => parseCongaArg(['--http-port', '70000'], 0, defaultCongaArgs())).to.throw(/not a port/);
    expect(() => parseCongaArg(['--tls-cert'], 0, defaultCongaArgs())).to.throw(/needs a value/);
  });
  it('allows plain HTTP only on loopback addresses', () => {
    expect(isLoopback('127.0.4.1')).to.equal(true);
    expect(isLoopback('::1')).to.equal(true);
    expect(isLoopback('10.0.0.1')).to.equal(false);
    expect(isLoopback('0.0.0.0')).to.equal(false);
  });
});
