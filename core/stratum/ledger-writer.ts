/**
 * The share ledger's writer thread (ledger.ts): it commits the ledger's batches of rows and verdicts, in order, and
 * folds old shares into aggregates, so that no commit sits between a miner's submit and its answer.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { COMPACTION_SQL } from './ledger-history';
import { ROW_WIDTH } from './ledger-pending';

/** An INSERT of `rows` rows, ROW_WIDTH values each in the order of ledger-pending.ts's flat rows. */
function insertRows(rows: number): string {
  const row = `(${Array.from({ length: ROW_WIDTH }, () => '?').join(', ')})`;
  const values = Array.from({ length: rows }, () => row).join(', ');
  return `INSERT OR REPLACE INTO shares (id, at, miner_id, worker, upstream, job_id, header_hash, difficulty, share_difficulty, verdict, reason, latency_ms) VALUES ${values}`;
}

export const INSERT_SQL = insertRows(1);
/**
 * Rows go in sixteen to a statement: a statement a row spent ~60% more of SQLite's time a row (a probe on 2026-12-08,
 * batches of 240 rows: 6.4 µs a row one to a statement, 4.0 sixteen, 4.3 thirty-two). In the ledger bench the writer
 * thread's time a share went from 6.6-8.2 µs to 6.1-6.9 (seven runs each, taken in turn): less of the second core.
 */
const ROWS_PER_INSERT = 16;
export const JUDGE_SQL = 'UPDATE shares SET verdict = ?, reason = ?, latency_ms = ? WHERE id = ?';

/**
 * Whether the writer thread can lower its own priority without lowering the proxy's: Linux keeps a nice value per
 * thread, where macOS and Windows would apply it to the whole process.
 */
const PRIORITY_PER_THREAD = process.platform === 'linux';

/**
 * The writer thread: plain JS (it runs as an eval worker under tsx, node and Electron alike). Batches commit in order.
 *
 * It runs at the lowest priority where that is its own. Woken by a batch while the other cores were busy, it took the
 * proxy's core: in half of the hand-overs the proxy's loop then waited 0.4-0.8 ms for a core, at 100 miners as at
 * 1,000 (read from /proc/thread-self/schedstat around the hand-over), and 2.8 ms at saturation's p90. At the lowest
 * priority it waits for a free core instead: the loop's wait stayed under 0.03 ms at 100 and 1,000 miners (below
 * normal, under 0.07 at the p99 but up to 1 ms), 0.12 at saturation's p90 (2026-12-06, two cores). Its commits then
 * trail by ~1 ms, at saturation by up to 144 ms (56 at normal priority): rows a crash loses on top of a batch's. With
 * three other programs spinning on both cores it still kept up with 1,000 rows a second (within 30 ms after the first
 * second) and stayed within 1.5 s of 5,000 a second, far above a home fleet's shares.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.lowestPriority) {
  const os = require('node:os');
  try {
    os.setPriority(os.constants.priority.PRIORITY_LOW);
  } catch {
    // a sandbox that forbids it: the writer runs at the proxy's priority, as everywhere else
  }
}
const Database = require(workerData.sqlite);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const insert = db.prepare(workerData.insert);
const insertMany = db.prepare(workerData.insertMany);
const judge = db.prepare(workerData.judge);
// flat arrays, twelve values a row and four a verdict (ledger-pending.ts)
const manyValues = workerData.valuesPerInsert;
const write = db.transaction((rows, verdicts) => {
  let i = 0;
  for (; i + manyValues <= rows.length; i += manyValues) insertMany.run(rows.slice(i, i + manyValues));
  for (; i < rows.length; i += 12) insert.run(rows[i], rows[i + 1], rows[i + 2], rows[i + 3], rows[i + 4], rows[i + 5], rows[i + 6], rows[i + 7], rows[i + 8], rows[i + 9], rows[i + 10], rows[i + 11]);
  for (let i = 0; i < verdicts.length; i += 4) judge.run(verdicts[i], verdicts[i + 1], verdicts[i + 2], verdicts[i + 3]);
});
const sql = workerData.compaction;
const lastKept = db.prepare(sql.lastKeptId);
const steps = ['foldShares', 'dropShares', 'foldHours', 'dropHours', 'dropDays'].map((name) => db.prepare(sql[name]));
const compact = db.transaction((c) => {
  const kept = lastKept.get(c.maxShares);
  const idCut = kept ? kept.id : -1;
  steps[0].run({ before: c.sharesBefore, idCut });
  const folded = steps[1].run({ before: c.sharesBefore, idCut }).changes;
  steps[2].run({ before: c.hoursBefore });
  steps[3].run({ before: c.hoursBefore });
  steps[4].run({ before: c.daysBefore });
  return folded;
});
parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  if (message.compact) {
    try {
      parentPort.postMessage({ compacted: compact(message.compact) });
    } catch (error) {
      parentPort.postMessage({ error: 'compaction: ' + String(error && error.message || error) });
    }
    return;
  }
  try {
    write(message.rows, message.verdicts);
    parentPort.postMessage({ seq: message.seq });
  } catch (error) {
    parentPort.postMessage({ seq: message.seq, error: String(error && error.message || error) });
  }
});
`;

/** Starts a writer thread on the ledger at `path`; it answers each batch with its seq, or with an error. */
export function startLedgerWriter(path: string): Worker {
  return new Worker(WRITER_SOURCE, {
    eval: true,
    workerData: {
      path,
      sqlite: createRequire(import.meta.url).resolve('better-sqlite3'),
      insert: INSERT_SQL,
      insertMany: insertRows(ROWS_PER_INSERT),
      valuesPerInsert: ROW_WIDTH * ROWS_PER_INSERT,
      judge: JUDGE_SQL,
      compaction: COMPACTION_SQL,
      lowestPriority: PRIORITY_PER_THREAD,
    },
  });
}
