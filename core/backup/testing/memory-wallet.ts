/** Test helpers: the backup's wallet port in memory, and a raw NIP-01 reader to inspect relays. */
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import type { Proof } from '../nip60';
import type { BackupSource, ProofGroup, RestoreTarget } from '../port';

export const MINT = 'http://127.0.0.1:3338';

export function proof(amount: bigint): Proof {
  return { id: '00ad268c4d1f5826', amount, secret: randomBytes(32).toString('hex'), C: `02${randomBytes(32).toString('hex')}` };
}

/** The wallet port in memory: proofs per mint/unit, a change signal, idempotent import. */
export class MemoryWallet implements BackupSource, RestoreTarget {
  readonly groups = new Map<string, ProofGroup>();
  readonly mintList = new Set<string>();
  private readonly listeners = new Set<() => void>();
  recoverCalls = 0;
  /**
   * `spent`: the mint's memory of spent secrets, shared by wallets of one seed that use the same mint
   * (what NUT-07 answers for all of them).
   */
  constructor(
    private readonly seedBytes: Uint8Array,
    readonly spent = new Set<string>(),
  ) {}
  /** NUT-07 as the mint would answer it */
  checkSpent = async (_mint: string, proofs: Proof[]) => proofs.map((p) => this.spent.has(p.secret));
  seed = () => this.seedBytes;
  mints = () => [...this.mintList];
  unspentProofs = () => [...this.groups.values()].filter((g) => g.proofs.length > 0).map((g) => ({ ...g, proofs: [...g.proofs] }));
  onChange(listener: () => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  add(proofs: Proof[], mint = MINT, unit = 'hash') {
    this.mintList.add(mint);
    const key = `${mint} ${unit}`;
    const group = this.groups.get(key) ?? { mint, unit, proofs: [] };
    group.proofs.push(...proofs);
    this.groups.set(key, group);
    for (const l of this.listeners) l();
  }
  /** spends these secrets: the mint reports them SPENT from now on */
  remove(secrets: Set<string>) {
    for (const secret of secrets) this.spent.add(secret);
    for (const group of this.groups.values()) group.proofs = group.proofs.filter((p) => !secrets.has(p.secret));
    for (const l of this.listeners) l();
  }
  all(): Proof[] {
    return [...this.groups.values()].flatMap((g) => g.proofs);
  }
  balance(): bigint {
    return this.all().reduce((s, p) => s + p.amount, 0n);
  }
  async addMints(mints: string[]) {
    for (const m of mints) this.mintList.add(m);
  }
  async importProofs(group: ProofGroup) {
    // like the real wallet: only proofs it does not know and the mint does not report spent
    const have = new Set(this.all().map((p) => p.secret));
    const fresh = group.proofs.filter((p) => !have.has(p.secret) && !this.spent.has(p.secret));
    if (fresh.length > 0) this.add(fresh, group.mint, group.unit);
    return fresh.length;
  }
  async dropSpent(group: ProofGroup) {
    const gone = new Set(group.proofs.map((p) => p.secret).filter((secret) => this.spent.has(secret)));
    if (gone.size > 0) this.remove(gone);
    return gone.size;
  }
  async recoverAtMint() {
    this.recoverCalls++;
    return 0;
  }
}

/** A raw NIP-01 reader, to look at the relay without the code under test. */
export async function rawQuery(url: string, filter: Record<string, unknown>): Promise<Array<{ id: string; kind: number; tags: string[][]; content: string; pubkey: string }>> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const events: Array<{ id: string; kind: number; tags: string[][]; content: string; pubkey: string }> = [];
  await new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as unknown[];
      if (m[0] === 'EVENT') events.push(m[2] as (typeof events)[number]);
      if (m[0] === 'EOSE') resolve();
    });
    ws.send(JSON.stringify(['REQ', 's', { limit: 500, ...filter }]));
  });
  ws.close();
  return events;
}
