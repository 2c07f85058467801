import { describe, expect, it } from 'vitest';
import { isHostOrAddress, settingsPatchSchema } from './system';

describe('stratumHost', () => {
  it('accepts host names and IPv4/IPv6 addresses', () => {
    for (const host of ['0.0.0.0', '127.0.0.1', '192.168.1.20', '::', '::1', 'fe80::1', '2001:db8::8a2e:370:7334', '::ffff:192.168.1.2', 'localhost', 'miner-box.lan', 'a.b-c.example']) {
      expect(isHostOrAddress(host), host).toBe(true);
    }
  });

  it('refuses anything else with a message that says what to write', () => {
    for (const host of [
      '',
      ' 0.0.0.0',
      '256.1.1.1',
      '1.2.3',
      'http://0.0.0.0',
      '0.0.0.0:3333',
      '[::1]',
      '1:2:3:4:5:6:7:8:9',
      'a::b::c',
      'host name',
      '-lead.example',
      'x'.repeat(254),
      'evil;rm -rf',
    ]) {
      expect(isHostOrAddress(host), host).toBe(false);
    }
    const parsed = settingsPatchSchema.safeParse({ stratumHost: '0.0.0.0:3333' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toMatch(/host name or an IP address.*0\.0\.0\.0.*127\.0\.0\.1/);
  });
});
