/**
 * firmware-patches/apply.sh on trees built from the patch's own context lines (the real ESP-Miner
 * checkouts it was verified on are named in firmware-patches/README.md; verify-upstream.sh re-runs
 * that check against a fetched mirror). No firmware source is kept in this repository.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/fixtures';

const patchDir = join(repoRoot, 'firmware-patches');
const hooks = readFileSync(join(patchDir, 'hooks.patch'), 'utf8');
const ownFiles = ['usb_cmd.c', 'usb_cmd.h', 'usb_cmd_proto.c', 'usb_cmd_proto.h'];
const SETTINGS_V215 = 'bool check_settings_and_update(const cJSON * const root, char **redirect_url)\n{\n}\n';
const FULL_JSON_V215 = 'cJSON* system_api_get_full_json(GlobalState * GLOBAL_STATE);\n';

/** Each patched file as the hunks' pre-image (context and removed lines), hunk after hunk. */
function preImages(patch: string): Map<string, string> {
  const files = new Map<string, string>();
  let current: string | undefined;
  for (const line of patch.split('\n')) {
    const target = /^\+\+\+ b\/(.+)$/.exec(line);
    if (target?.[1]) {
      current = target[1];
      files.set(current, '');
    } else if (current && (line.startsWith(' ') || line.startsWith('-')) && !line.startsWith('---')) {
      files.set(current, `${files.get(current)}${line.slice(1)}\n`);
    } else if (current && line.startsWith('@@') && files.get(current)) {
      files.set(current, `${files.get(current)}/* between hunks */\n`);
    }
  }
  return files;
}

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop() ?? '', { recursive: true, force: true });
});

function tree(overrides: Record<string, string | undefined> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'axw-espminer-'));
  dirs.push(root);
  const files: Record<string, string | undefined> = {
    ...Object.fromEntries(preImages(hooks)),
    'main/http_server/http_server.c': SETTINGS_V215,
    'main/http_server/system_api_json.h': FULL_JSON_V215,
    ...overrides,
  };
  for (const [path, text] of Object.entries(files)) {
    if (text === undefined) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function apply(dir: string) {
  const result = spawnSync('bash', [join(patchDir, 'apply.sh'), dir], { encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

const snapshot = (dir: string) => spawnSync('bash', ['-c', 'find . -type f | sort | xargs md5sum'], { cwd: dir, encoding: 'utf8' }).stdout;

describe('firmware-patches/apply.sh', () => {
  it('the hooks touch only main/CMakeLists.txt and main/main.c, adding lines and removing none', () => {
    expect([...preImages(hooks).keys()].sort()).toEqual(['main/CMakeLists.txt', 'main/main.c']);
    expect(hooks.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
    expect(hooks.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).length).toBeLessThanOrEqual(8);
  });

  it('copies our files, applies the hooks, and a second run changes nothing', () => {
    const dir = tree();
    const first = apply(dir);
    expect(first.out).toMatch(/added the Axewallet USB command channel/);
    expect(first.status).toBe(0);
    for (const f of ownFiles) expect(readFileSync(join(dir, 'main', f), 'utf8')).toBe(readFileSync(join(patchDir, 'main', f), 'utf8'));
    expect(readFileSync(join(dir, 'main/CMakeLists.txt'), 'utf8')).toMatch(/"usb_cmd\.c"\n\s+"usb_cmd_proto\.c"/);
    expect(readFileSync(join(dir, 'main/main.c'), 'utf8')).toMatch(/usb_cmd_init\(&GLOBAL_STATE\)/);
    const before = snapshot(dir);
    const second = apply(dir);
    expect(second).toMatchObject({ status: 0, out: expect.stringMatching(/already has/) });
    expect(snapshot(dir)).toBe(before);
  });

  it.each([
    [
      'older firmware whose settings function takes one argument',
      { 'main/http_server/http_server.c': 'bool check_settings_and_update(const cJSON * const root)\n{\n}\n' },
      /does not define 'bool check_settings_and_update/,
    ],
    ['firmware without system_api_json.h (before v2.15)', { 'main/http_server/system_api_json.h': undefined }, /older than v2\.15/],
    ['a main.c whose context moved on', { 'main/main.c': '#include "setup_ble.h"\nint app_main(void) {}\n' }, /hooks do not fit/],
    ['a different copy of our file already there', { 'main/usb_cmd.c': '/* old */\n' }, /already exists with other content/],
    ['a directory that is not ESP-Miner', { 'main/CMakeLists.txt': undefined }, /not an ESP-Miner source tree/],
  ])('refuses %s, naming the verified commits and changing nothing', (_what, overrides, reason) => {
    const dir = tree(overrides);
    const before = snapshot(dir);
    const result = apply(dir);
    expect(result.status).toBe(1);
    expect(result.out).toMatch(reason);
    expect(result.out).toMatch(/Nothing was changed\. This patch was made for ESP-Miner v2\.15\.0 \(b0509031\) and master 5c277131/);
    expect(snapshot(dir)).toBe(before);
  });
});
