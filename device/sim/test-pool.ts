/**
 * A minimal Stratum V1 pool for exercising the simulator's miner and the "point at Axewallet" flow
 * when no proxy is at hand: answers configure/subscribe/authorize, sends set_difficulty + notify in
 * one write (so the firmware's primary probe sees the notify in a single read), checks every share
 * with real sha256d and lists its miners like the proxy does.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { hashMeetsTarget, sha256d, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import { SV1_ERRORS, Sv1LineSplitter, parseSv1Line, sv1Error, sv1Request, sv1Result } from '../../lib/protocol/sv1/codec';
import { type Sv1Job, headerForSubmission, notifyParams } from '../../lib/protocol/sv1/job';

export interface TestPoolMiner {
  address: string;
  worker: string;
  userAgent: string;
  accepted: number;
  rejected: number;
  connected: boolean;
}

export interface TestPool {
  host: string;
  port: number;
  miners(): TestPoolMiner[];
  /** every line received, in order, per connection */
  transcripts(): string[][];
  close(): Promise<void>;
}

export async function startTestPool(opts: { host?: string; port?: number; difficulty?: number } = {}): Promise<TestPool> {
  const difficulty = opts.difficulty ?? 0.000001;
  const target = targetFromDifficulty(difficulty);
  const miners: TestPoolMiner[] = [];
  const transcripts: string[][] = [];
  const sockets = new Set<net.Socket>();
  let sessions = 0;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    const extranonce1 = (++sessions).toString(16).padStart(8, '0');
    const job: Sv1Job = {
      jobId: randomBytes(3).toString('hex'),
      prevHash: randomBytes(32).toString('hex'),
      coinbase1: `01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20${randomBytes(4).toString('hex')}`,
      coinbase2: 'ffffffff0100f2052a010000001976a9147c154ed1dc59609e3d26abb2df2ea3d587cd8c4188ac00000000',
      merkleBranches: [],
      version: '20000000',
      nbits: '1705c739',
      ntime: Math.floor(Date.now() / 1000).toString(16).padStart(8, '0'),
      cleanJobs: true,
    };
    const lines: string[] = [];
    transcripts.push(lines);
    const miner: TestPoolMiner = { address: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''), worker: '', userAgent: '', accepted: 0, rejected: 0, connected: true };
    const splitter = new Sv1LineSplitter();
    socket.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) {
        if (typeof line !== 'string') continue;
        lines.push(line);
        let message;
        try {
          message = parseSv1Line(line);
        } catch {
          continue;
        }
        if (message.kind !== 'request') continue;
        const { id, method, params } = message;
        if (method === 'mining.configure') socket.write(sv1Result(id, { 'version-rolling': true, 'version-rolling.mask': '1fffe000' }));
        else if (method === 'mining.subscribe') {
          miner.userAgent = String(params[0] ?? '');
          socket.write(sv1Result(id, [[['mining.set_difficulty', '1'], ['mining.notify', '1']], extranonce1, 4]));
        } else if (method === 'mining.authorize') {
          miner.worker = String(params[0] ?? '');
          if (!miners.includes(miner)) miners.push(miner);
          socket.write(sv1Result(id, true) + sv1Request(null, 'mining.set_difficulty', [difficulty]) + sv1Request(null, 'mining.notify', notifyParams(job)));
        } else if (method === 'mining.submit') {
          const [, jobId, extranonce2, ntime, nonce, versionBits] = params as string[];
          const ok =
            jobId === job.jobId &&
            hashMeetsTarget(sha256d(headerForSubmission(job, { extranonce1, extranonce2: extranonce2 ?? '', ntime: ntime ?? '', nonce: nonce ?? '', versionBits })), target);
          if (ok) miner.accepted++;
          else miner.rejected++;
          socket.write(ok ? sv1Result(id, true) : sv1Error(id, SV1_ERRORS.lowDifficulty, 'Low difficulty share'));
        } else if (id !== null) socket.write(sv1Result(id, true));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      miner.connected = false;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    host: address.address,
    port: address.port,
    miners: () => miners.filter((m) => m.connected),
    transcripts: () => transcripts,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
