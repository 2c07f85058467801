/**
 * The share ledger's cost per share: its writer thread (SQLite inserts and verdict updates) and the proxy thread's
 * side (keeping rows, handing batches over), on a ledger already holding 100,000 shares, its shares judged ten at a
 * time while 150 are in flight. Baselines in the same run, the same rows stored once each with their verdicts in plain
 * better-sqlite3 transactions on this thread: with no secondary index (SQLite's floor for these rows) and with a full
 * header-hash index (what the ledger carried before only rejected shares were indexed).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { ShareLedger, type NewShare } from '../core/stratum/ledger';
import { round } from './measure';

const PREFILLED = 100_000;
const SHARES = 30_000;
/** shares in flight before their verdicts come, ten at a time (hashpool acknowledges per batch of 10) */
const IN_FLIGHT = 150;

function newShare(): NewShare {
  return { at: Date.now(), minerId: 'm1', worker: 'bc1qbench.w1', upstream: 'stratum2+tcp://127.0.0.1:1', jobId: '7', headerHash: randomBytes(32).toString('hex'), difficulty: 1, shareDifficulty: 2 };
}

async function oursUsPerShare(path: string): Promise<{ writerThread: number; proxyThread: number }> {
  const ledger = new ShareLedger(path);
  // the writer is private to the ledger; its thread's busy time is what this bench is about
  const writer = (ledger as unknown as { writer: { performance: { eventLoopUtilization(): { active: number } } } }).writer;
  // the writer thread is unref'd: something has to keep this process up while it works
  const keepAlive = setInterval(() => undefined, 1000);
  for (let i = 0; i < PREFILLED; i++) ledger.record(newShare(), { verdict: 'accepted', reason: null });
  await ledger.synced();
  const shares = Array.from({ length: SHARES }, newShare);
  const writerBefore = writer.performance.eventLoopUtilization().active;
  const proxyBefore = performance.eventLoopUtilization();
  const pending: number[] = [];
  for (let i = 0; i < SHARES; i++) {
    pending.push(ledger.record(shares[i]!));
    if (pending.length >= IN_FLIGHT) for (const id of pending.splice(0, 10)) ledger.settle(id, 'accepted', null, 1);
    // ~10,000 shares a second, so batches go out on the ledger's own timer as in the proxy
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 10));
  }
  for (const id of pending.splice(0)) ledger.settle(id, 'accepted', null, 1);
  await ledger.synced();
  const proxyBusy = performance.eventLoopUtilization(proxyBefore).active;
  const writerBusy = writer.performance.eventLoopUtilization().active - writerBefore;
  await ledger.close();
  clearInterval(keepAlive);
  // ELU active times are in ms
  return { writerThread: round((writerBusy * 1000) / SHARES, 1), proxyThread: round((proxyBusy * 1000) / SHARES, 1) };
}

function plainUsPerShare(path: string, fullHashIndex: boolean): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE shares (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, miner_id TEXT NOT NULL, worker TEXT NOT NULL, upstream TEXT NOT NULL,
    job_id TEXT NOT NULL, header_hash TEXT NOT NULL, difficulty REAL NOT NULL, share_difficulty REAL NOT NULL, verdict TEXT NOT NULL, reason TEXT, latency_ms REAL)`);
  if (fullHashIndex) db.exec('CREATE INDEX shares_header_hash ON shares(header_hash)');
  const insert = db.prepare('INSERT INTO shares VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const judge = db.prepare('UPDATE shares SET verdict = ?, reason = ?, latency_ms = ? WHERE id = ?');
  const row = (id: number, verdict: string) => {
    const s = newShare();
    return [id, s.at, s.minerId, s.worker, s.upstream, s.jobId, s.headerHash, s.difficulty, s.shareDifficulty, verdict, null, null];
  };
  const write = db.transaction((rows: unknown[][], verdicts: unknown[][]) => {
    for (const r of rows) insert.run(r);
    for (const v of verdicts) judge.run(v);
  });
  for (let id = 1; id <= PREFILLED; id += 1000)
    write(
      Array.from({ length: 1000 }, (_, k) => row(id + k, 'accepted')),
      [],
    );
  // SQLite's floor for storing these shares: each row once, with its verdict, 100 to a transaction
  const batches: Array<[unknown[][], unknown[][]]> = [];
  for (let first = PREFILLED + 1; first <= PREFILLED + SHARES; first += 100) batches.push([Array.from({ length: 100 }, (_, k) => row(first + k, 'accepted')), []]);
  const cpu = process.cpuUsage();
  for (const [rows, verdicts] of batches) write(rows, verdicts);
  const used = process.cpuUsage(cpu);
  db.close();
  return round((used.user + used.system) / SHARES, 1);
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'axw-ledger-bench-'));
  try {
    const ours = await oursUsPerShare(join(dir, 'ledger.sqlite'));
    const noIndex = plainUsPerShare(join(dir, 'plain.sqlite'), false);
    const fullIndex = plainUsPerShare(join(dir, 'full-index.sqlite'), true);
    return {
      prefilledShares: PREFILLED,
      shares: SHARES,
      usPerShare: { writerThread: ours.writerThread, proxyThread: ours.proxyThread },
      baselineUsPerShare: { plainSqliteNoIndex: noIndex, plainSqliteFullHashIndex: fullIndex },
      writerOverPlainNoIndex: round(ours.writerThread / noIndex, 2),
      writerOverPlainFullHashIndex: round(ours.writerThread / fullIndex, 2),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
