// The Host rule of `disco-diff serve` (the guard against DNS rebinding): which Host headers a
// server answers on each kind of bind, with ports compared as a browser sends them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname, networkInterfaces } from 'node:os';
import { canonicalHost, hostCheck, parseHost } from '../../src/serve/hosts.js';

/** This machine's interface addresses as written in a Host header (IPv6 in brackets). */
const interfaceAddresses = (internal: boolean) => Object.values(networkInterfaces()).flatMap((l) => l ?? [])
  .filter((a) => a.internal === internal).map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address));

/** os.hostname() as a Host, unless the machine is called localhost (then it is a loopback name). */
const me = hostname().toLowerCase() === 'localhost' ? [] : [`${hostname()}:7860`];

const accepts = (check: ReturnType<typeof hostCheck>, port: number, headers: (string | undefined)[]) =>
  headers.forEach((h) => assert.equal(check(h, port), true, `Host '${h}' on port ${port} must be answered`));
const refuses = (check: ReturnType<typeof hostCheck>, port: number, headers: (string | undefined)[]) =>
  headers.forEach((h) => assert.equal(check(h, port), false, `Host '${h}' on port ${port} must be refused`));

test('Host headers parse into a canonical name and a port; anything else is refused', () => {
  assert.deepEqual(parseHost('LocalHost.:7860'), { name: 'localhost', port: 7860 });
  assert.deepEqual(parseHost('[0:0:0:0:0:0:0:1]:80'), { name: '[::1]', port: 80 });
  assert.deepEqual(parseHost('127.1'), { name: '127.0.0.1', port: null });
  assert.deepEqual(parseHost('example.org:'), { name: 'example.org', port: null }, 'an empty port is the default port');
  for (const bad of ['', '::1', '::1:7860', '[::1', '[::1]x', 'a:b:c', 'x@evil.example', 'a b', 'a/b', '127.0.0.1:99999', ':80']) {
    assert.equal(parseHost(bad), null, bad);
  }
  assert.equal(canonicalHost('::1'), '[::1]', 'a bare IPv6 address (as os.networkInterfaces() gives it)');
  assert.equal(canonicalHost('evil.example:80'), null);
});

test('a loopback bind answers only to localhost, 127.0.0.1 and [::1] on its port', () => {
  const check = hostCheck('127.0.0.1');
  accepts(check, 7860, ['127.0.0.1:7860', 'localhost:7860', '[::1]:7860', 'LOCALHOST.:7860', '[0::1]:7860']);
  refuses(check, 7860, [undefined, '', 'evil.example:7860', '127.0.0.1', '127.0.0.1:7861', '127.0.0.1:17860', ...me,
    '::1:7860', '127.0.0.1:7860.evil.example', 'localhost.evil.example:7860']);
  accepts(hostCheck('::1'), 7860, ['[::1]:7860', 'localhost:7860']);
});

test('on port 80 a Host without a port matches (browsers leave the default port out)', () => {
  const check = hostCheck('127.0.0.1');
  accepts(check, 80, ['127.0.0.1', 'localhost', '[::1]', '127.0.0.1:80', 'localhost:']);
  refuses(check, 80, ['127.0.0.1:8080', 'evil.example']);
  refuses(check, 8080, ['127.0.0.1', '127.0.0.1:80']);
});

test('a wildcard bind answers to this machine\'s names and addresses, not to a foreign name', () => {
  for (const bind of ['0.0.0.0', '::']) {
    const check = hostCheck(bind);
    accepts(check, 7860, ['localhost:7860', '127.0.0.1:7860', '[::1]:7860', `${hostname()}:7860`, `${hostname().toUpperCase()}:7860`,
      ...[...interfaceAddresses(false), ...interfaceAddresses(true)].map((a) => `${a}:7860`)]);
    refuses(check, 7860, ['evil.example:7860', 'rebind.evil.example:7860', `${hostname()}.evil.example:7860`, `${hostname()}:7861`]);
  }
});

test('another bind answers to its own address and the machine\'s names, not to loopback names', () => {
  const own = interfaceAddresses(false)[0] ?? '192.0.2.1';
  const check = hostCheck(own.replace(/^\[(.*)\]$/, '$1'));
  accepts(check, 7860, [`${own}:7860`, ...me]);
  refuses(check, 7860, ['localhost:7860', '127.0.0.1:7860', '[::1]:7860', 'evil.example:7860']);
});

test('--allow-host adds names on every bind; a bad name or bind is an error naming it', () => {
  for (const bind of ['127.0.0.1', '0.0.0.0']) {
    const check = hostCheck(bind, ['Tunnel.Example', '10.1.2.3']);
    accepts(check, 7860, ['tunnel.example:7860', 'TUNNEL.EXAMPLE.:7860', '10.1.2.3:7860']);
    refuses(check, 7860, ['tunnel.example:7861', 'x.tunnel.example:7860', 'evil.example:7860']);
  }
  assert.throws(() => hostCheck('127.0.0.1', ['ok.example', 'a/b']), /^Error: --allow-host: 'a\/b' is not a host name or address$/);
  assert.throws(() => hostCheck('my host'), /^Error: --host: 'my host' is not a host name or address$/);
});
