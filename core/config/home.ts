/**
 * The home directory: settings, the API token, databases and logs of one Axewallet installation.
 * Everything here is private to the user (0700 dir, 0600 files).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export function defaultHomeDir(env: NodeJS.ProcessEnv = process.env, os: NodeJS.Platform = platform()): string {
  if (env.AXEWALLET_HOME) return env.AXEWALLET_HOME;
  if (os === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Axewallet');
  if (os === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Axewallet');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'axewallet');
}

export function ensureHome(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Writes through a temp file and a rename so a crash never leaves half a file. */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
  chmodSync(path, mode);
}

const TOKEN_FILE = 'api-token';

/** The bearer token for the control API: random per home dir, kept across restarts, file mode 0600. */
export function loadOrCreateApiToken(home: string): string {
  const path = join(home, TOKEN_FILE);
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(token)) {
      chmodSync(path, 0o600);
      return token;
    }
  }
  const token = randomBytes(32).toString('hex');
  writeFileAtomic(path, `${token}\n`);
  return token;
}
