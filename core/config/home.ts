/**
 * The home directory: settings, the API token, databases and logs of one Axewallet installation.
 * Everything here is private to the user (0700 dirs, 0600 files), enforced at every start whatever
 * an older version, a backup tool or the user's umask left behind.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export function defaultHomeDir(env: NodeJS.ProcessEnv = process.env, os: NodeJS.Platform = platform()): string {
  if (env.AXEWALLET_HOME) return env.AXEWALLET_HOME;
  if (os === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Axewallet');
  if (os === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Axewallet');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'axewallet');
}

/** Creates the home when missing and makes everything in it private (see makePrivate). */
export function ensureHome(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  makePrivate(dir);
  return dir;
}

/**
 * Directories 0700, files 0600, all the way down. mkdir's mode does nothing for a directory that
 * already exists, and SQLite creates its files (and their -wal/-shm, which copy the database's mode)
 * under the process umask: so the modes are set here, not trusted. Symbolic links are left alone
 * (chmod would follow them out of the home). Modes mean nothing on Windows, where this is a no-op.
 */
export function makePrivate(dir: string): void {
  if (platform() === 'win32') return;
  chmodSync(dir, PRIVATE_DIR_MODE);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue; // removed meanwhile (a temp file renamed into place)
    }
    if (stat.isDirectory()) makePrivate(path);
    else if (stat.isFile() && (stat.mode & 0o777) !== PRIVATE_FILE_MODE) chmodSync(path, PRIVATE_FILE_MODE);
  }
}

/** Writes through a temp file and a rename so a crash never leaves half a file. */
export function writeFileAtomic(path: string, data: string, mode = PRIVATE_FILE_MODE): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
  chmodSync(path, mode);
}

const TOKEN_FILE = 'api-token';
const TOKEN_SHAPE = /^[0-9a-f]{64}$/;

/**
 * The bearer token of the control API for this run. A new random one at every start, unless the user
 * asked for a stable token (for scripts): then the one in the home is kept across restarts. Either way
 * the current token is in `api-token` (0600), where a script run by the same user can read it.
 */
export function apiTokenForStart(home: string, stable: boolean): string {
  const path = join(home, TOKEN_FILE);
  if (stable && existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (TOKEN_SHAPE.test(token)) {
      chmodSync(path, PRIVATE_FILE_MODE);
      return token;
    }
  }
  const token = randomBytes(32).toString('hex');
  writeFileAtomic(path, `${token}\n`);
  return token;
}
