import * as assert from 'node:assert/strict';
import { parseDaemonAddress } from '../../src/transport/daemon-address.js';
import { resolveExporterConfig } from '../../src/export/options.js';

describe('AWS_XRAY_DAEMON_ADDRESS parsing', () => {
  const ok: Array<[string | undefined, string, number, string, number]> = [
    [undefined, '127.0.0.1', 2000, '127.0.0.1', 2000],
    ['', '127.0.0.1', 2000, '127.0.0.1', 2000],
    ['   ', '127.0.0.1', 2000, '127.0.0.1', 2000],
    ['127.0.0.1:3000', '127.0.0.1', 3000, '127.0.0.1', 3000],
    ['  169.254.79.129:2000 ', '169.254.79.129', 2000, '169.254.79.129', 2000],
    ['xray-daemon:2000', 'xray-daemon', 2000, 'xray-daemon', 2000],
    ['udp-daemon.internal:2000', 'udp-daemon.internal', 2000, 'udp-daemon.internal', 2000],
    ['tcp_proxy:2000', 'tcp_proxy', 2000, 'tcp_proxy', 2000],
    ['udp:127.0.0.1:2001 tcp:127.0.0.2:2002', '127.0.0.1', 2001, '127.0.0.2', 2002],
    ['tcp:127.0.0.2:2002 udp:127.0.0.1:2001', '127.0.0.1', 2001, '127.0.0.2', 2002],
    ['UDP:host-a:1 TCP:host-b:2', 'host-a', 1, 'host-b', 2],
    ['udp:udp-host:5 tcp:tcp-host:6', 'udp-host', 5, 'tcp-host', 6],
    ['[::1]:2000', '::1', 2000, '::1', 2000],
    ['udp:[::1]:2000 tcp:[fe80::1%eth0]:2001', '::1', 2000, 'fe80::1%eth0', 2001],
    ['udp:10.0.0.1:2000', '10.0.0.1', 2000, '127.0.0.1', 2000],
  ];
  for (const [input, uh, up, th, tp] of ok) {
    it(`accepts ${JSON.stringify(input)}`, () => {
      const r = parseDaemonAddress(input);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.address, { udp: { host: uh, port: up }, tcp: { host: th, port: tp } });
    });
  }

  const bad = [
    '127.0.0.1',
    ':2000',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:20a0',
    '::1:2000',
    '[::1]2000',
    '[not-v6]:2000',
    'udp:127.0.0.1:2000 udp:127.0.0.1:2001',
    'udp:127.0.0.1:2000 127.0.0.1:2001',
    'a b c',
    'host name:2000',
    'ho$t:2000',
    'x'.repeat(1000),
  ];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))} with a reason`, () => {
      const r = parseDaemonAddress(input);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.reason.length > 0);
    });
  }
});

describe('exporter configuration', () => {
  it('prefers the option over the environment over the default', () => {
    const env = { AWS_XRAY_DAEMON_ADDRESS: '127.0.0.5:2005' };
    assert.equal(
      resolveExporterConfig({ daemonAddress: '127.0.0.6:2006' }, env).daemon.udp.port,
      2006,
    );
    assert.equal(resolveExporterConfig({}, env).daemon.udp.port, 2005);
    assert.equal(resolveExporterConfig({}, {}).daemon.udp.port, 2000);
  });

  it('treats blank values as unset', () => {
    const c = resolveExporterConfig(
      { daemonAddress: ' ' },
      { AWS_XRAY_DAEMON_ADDRESS: '127.0.0.5:2005' },
    );
    assert.equal(c.daemon.udp.port, 2005);
    assert.deepEqual(c.warnings, []);
  });

  it('falls back to the default with one warning on a bad address', () => {
    const c = resolveExporterConfig({}, { AWS_XRAY_DAEMON_ADDRESS: 'udp:nonsense' });
    assert.deepEqual(c.daemon.udp, { host: '127.0.0.1', port: 2000 });
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0] as string, /AWS_XRAY_DAEMON_ADDRESS="udp:nonsense" is invalid/);
  });

  it('clamps numeric options and says so', () => {
    const c = resolveExporterConfig({ maxDatagramBytes: 100_000, maxQueueBytes: -1 }, {});
    assert.equal(c.maxDatagramBytes, 65_507);
    assert.equal(c.maxQueueBytes, 4 * 1024 * 1024);
    assert.equal(c.warnings.length, 2);
  });
});
