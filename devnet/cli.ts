/**
 * `axewallet devnet [--home DIR] [--block-interval S] [--shares-per-minute N] [--minimum-difficulty BITS] [--share-batch-size N]`:
 * starts pool, mint and relay on 127.0.0.1 and prints ONE JSON line on stdout when ready;
 * logs go to stderr. Runs until SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, type LogRecord } from '../lib/log';
import { startDevnet, type Devnet } from './index';

export interface DevnetReadyLine {
  event: 'ready';
  pool: { sv2: string; sv1: string; authorityPubkey: string };
  mint: string;
  relay: string;
}

export function readyLine(devnet: Devnet): DevnetReadyLine {
  const { pool } = devnet;
  return {
    event: 'ready',
    pool: { sv2: `${pool.sv2.host}:${pool.sv2.port}`, sv1: `${pool.sv1.host}:${pool.sv1.port}`, authorityPubkey: pool.authorityPubkey },
    mint: devnet.mint.url,
    relay: devnet.relay.url,
  };
}

function numberFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got "${value}"`);
  return n;
}

export async function runDevnetCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      home: { type: 'string' },
      'block-interval': { type: 'string' },
      'shares-per-minute': { type: 'string' },
      'minimum-difficulty': { type: 'string' },
      'share-batch-size': { type: 'string' },
    },
    strict: true,
  });
  const logger = createLogger([(record: LogRecord) => process.stderr.write(`${JSON.stringify(record)}\n`)], 'devnet');
  const devnet = await startDevnet({
    home: values.home === undefined ? undefined : resolve(values.home),
    blockIntervalSeconds: numberFlag(values['block-interval'], 'block-interval'),
    sharesPerMinute: numberFlag(values['shares-per-minute'], 'shares-per-minute'),
    minimumDifficulty: numberFlag(values['minimum-difficulty'], 'minimum-difficulty'),
    shareBatchSize: numberFlag(values['share-batch-size'], 'share-batch-size'),
    logger,
  });
  process.stdout.write(`${JSON.stringify(readyLine(devnet))}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    devnet.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
