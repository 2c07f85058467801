/**
 * System tools the tests need beyond npm: Debian Chromium (Playwright drives it), socat (serial
 * pseudo-terminals), gcc + libcjson (firmware host tests), mosquitto + openssl (MQTT tests against a real
 * broker, with TLS). Installed with apt-get when run as root,
 * otherwise the one command to run is printed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SYSTEM_PACKAGES = [
  { name: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { name: 'socat', present: () => spawnSync('socat', ['-V']).status === 0 },
  { name: 'gcc', present: () => spawnSync('gcc', ['--version']).status === 0 },
  { name: 'git', present: () => spawnSync('git', ['--version']).status === 0 },
  { name: 'libcjson-dev', present: () => existsSync('/usr/include/cjson/cJSON.h') },
  { name: 'mosquitto', present: () => existsSync('/usr/sbin/mosquitto') },
  { name: 'openssl', present: () => spawnSync('openssl', ['version']).status === 0 },
];

export function ensureSystemPackages({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const missing = SYSTEM_PACKAGES.filter((p) => !p.present()).map((p) => p.name);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('apt-get', ['--version']).status === 0;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!isRoot || !hasApt) {
    log(`Missing system packages: ${missing.join(', ')}. Run: sudo ${command}`);
    process.exit(1);
  }
  log(`Installing system packages: ${missing.join(', ')}`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
