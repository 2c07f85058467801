import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger';
import { fileSink } from './sinks';

describe('log file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('rotates by size and keeps a few files: a flood of distinct lines stays within (keep + 1) x maxBytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'axw-log-'));
    dirs.push(dir);
    const path = join(dir, 'axewallet.log');
    const log = createLogger([fileSink(path, { maxBytes: 64 * 1024, keep: 3 })]);
    for (let i = 0; i < 20_000; i++) log.info(`line ${i} from a chatty neighbour`, { i });
    expect(readdirSync(dir).sort()).toEqual(['axewallet.log', 'axewallet.log.1', 'axewallet.log.2', 'axewallet.log.3']);
    let total = 0;
    for (const name of readdirSync(dir)) {
      const stat = statSync(join(dir, name));
      expect(stat.size).toBeLessThanOrEqual(64 * 1024);
      expect(stat.mode & 0o777).toBe(0o600);
      total += stat.size;
    }
    expect(total).toBeLessThanOrEqual(4 * 64 * 1024);
    // the newest lines are in the live file, each file whole JSON lines, .1 just older than the live one
    const live = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { fields: { i: number } });
    expect(live.at(-1)!.fields.i).toBe(19_999);
    const previous = readFileSync(`${path}.1`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { fields: { i: number } });
    expect(previous.at(-1)!.fields.i).toBe(live[0]!.fields.i - 1);
  });

  it('continues an existing file from its size after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'axw-log-'));
    dirs.push(dir);
    const path = join(dir, 'axewallet.log');
    const first = createLogger([fileSink(path, { maxBytes: 4096, keep: 2 })]);
    for (let i = 0; i < 30; i++) first.info(`before restart ${i}`);
    const size = statSync(path).size;
    const second = createLogger([fileSink(path, { maxBytes: 4096, keep: 2 })]);
    for (let i = 0; i < 30; i++) second.info(`after restart ${i}`);
    expect(size).toBeLessThanOrEqual(4096);
    expect(statSync(path).size).toBeLessThanOrEqual(4096);
  });
});
