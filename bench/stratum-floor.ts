/**
 * The least a Stratum V1 proxy does, for bench/proxy-pace.ts: a miner's connection forwarded on a pool connection of
 * its own, every line read as JSON and written again with the id the other side knows it by. Nothing is checked,
 * hashed, recorded or counted. It reads the pool the cheapest way Node offers (into one shared buffer, as the proxy's
 * Sv1 upstream does) and a miner the only way a server's socket can be read (a stream), both as UTF-8 (a worker's name
 * may not be ASCII), splits lines with the codec's splitter (which drops an overlong one), drops a line that is not
 * JSON, and writes each read's lines in one write. What a submit costs it, against the bare relay, is what reading and
 * writing Stratum at all costs on Node; against the proxy's loop, what the proxy does beyond that.
 *
 * Given the proxy's share ledger, it also records each submit there and settles it with the pool's answer, as the
 * proxy's share accounting does (its row keyed by a SHA-256 of the submit's line, where the proxy has the header's
 * hash): what keeping that ledger, its writer thread included, adds to any Stratum proxy.
 */
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { ShareLedger } from '../core/stratum/ledger';
import { Sv1LineSplitter, sv1Result } from '../lib/protocol/sv1/codec';

const POOL_READS = Buffer.allocUnsafe(64 * 1024);

interface Message {
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

/** A line as JSON; one that is not is dropped, as any proxy must survive it. */
function parsed(line: string): Message | undefined {
  try {
    return JSON.parse(line) as Message;
  } catch {
    return undefined;
  }
}

/**
 * Forwards `miner` to the pool at 127.0.0.1:`poolPort` until either side closes, recording its submits in `ledger` if
 * one is given.
 */
export function forwardStratum(miner: Socket, poolPort: number, ledger?: ShareLedger): void {
  miner.setNoDelay(true);
  miner.setEncoding('utf8');
  const poolText = new StringDecoder('utf8');
  const fromMiner = new Sv1LineSplitter();
  const fromPool = new Sv1LineSplitter();
  /** the miner's id of each request sent on, by the id it went to the pool with */
  const minerIds = new Map<number, Message['id']>();
  /** the ledger's id of each submit sent on, by the id it went to the pool with */
  const shareIds = new Map<number, number>();
  let nextId = 1;
  const pool = connect({
    host: '127.0.0.1',
    port: poolPort,
    noDelay: true,
    onread: {
      buffer: POOL_READS,
      callback: (bytes) => {
        let out = '';
        for (const line of fromPool.push(poolText.write(POOL_READS.subarray(0, bytes)))) {
          const message = typeof line === 'string' ? parsed(line) : undefined;
          if (!message) continue;
          if (message.method !== undefined || typeof message.id !== 'number' || !minerIds.has(message.id)) {
            out += `${line}\n`;
            continue;
          }
          const id = minerIds.get(message.id);
          minerIds.delete(message.id);
          if (ledger) settle(ledger, shareIds, message.id, message.error ?? null);
          // as the proxy answers (an accepted share's answer written out by hand)
          out += (message.error ?? null) === null ? sv1Result(id ?? null, message.result) : `${JSON.stringify({ id, result: message.result, error: message.error })}\n`;
        }
        if (out.length > 0) miner.write(out);
        return true;
      },
    },
  });
  miner.on('data', (text: string) => {
    let out = '';
    for (const line of fromMiner.push(text)) {
      const message = typeof line === 'string' ? parsed(line) : undefined;
      if (!message) continue;
      // an answer to the pool's own request (a ping) keeps the pool's id
      if (message.method === undefined) {
        out += `${line}\n`;
        continue;
      }
      const id = nextId++;
      minerIds.set(id, message.id);
      if (ledger && message.method === 'mining.submit') shareIds.set(id, record(ledger, line as string, message));
      out += `${JSON.stringify({ id, method: message.method, params: message.params })}\n`;
    }
    if (out.length > 0) pool.write(out);
  });
  miner.on('error', () => pool.destroy());
  pool.on('error', () => miner.destroy());
  miner.on('close', () => pool.destroy());
  pool.on('close', () => miner.destroy());
}

function record(ledger: ShareLedger, line: string, submit: Message): number {
  const params = Array.isArray(submit.params) ? submit.params : [];
  return ledger.record({
    at: Date.now(),
    minerId: 'floor',
    worker: String(params[0]),
    upstream: 'pool',
    jobId: String(params[1]),
    headerHash: createHash('sha256').update(line).digest('hex'),
    difficulty: 1,
    shareDifficulty: 1,
  });
}

/** Settles the submit the pool answered under `poolId`, if it was one, with the pool's verdict. */
function settle(ledger: ShareLedger, shareIds: Map<number, number>, poolId: number, error: unknown): void {
  const shareId = shareIds.get(poolId);
  if (shareId === undefined) return;
  shareIds.delete(poolId);
  if (error === null) ledger.settle(shareId, 'accepted', null, null);
  else ledger.settle(shareId, 'rejected', Array.isArray(error) ? String(error[1]) : 'rejected by the pool', null);
}
