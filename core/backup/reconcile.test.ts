/** What may leave the backup: only proofs the mint says are spent, never live ecash another machine holds. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log';
import type { Proof, SignedEvent } from './nip60';
import { planRollover, settleUnknown } from './reconcile';
import type { TokenRecord } from './state';
import { MemoryWallet, MINT, proof } from './testing/memory-wallet';

const record = (proofs: Proof[], mint = MINT): TokenRecord => ({ event: { id: randomBytes(32).toString('hex') } as SignedEvent, mint, unit: 'hash', proofs });
const bySecret = (proofs: Proof[]) => new Map(proofs.map((p) => [p.secret, p]));
const secrets = (proofs: Proof[]) => proofs.map((p) => p.secret).sort();

describe('rollover plan', () => {
  const [a, b, c, d] = [proof(1n), proof(2n), proof(4n), proof(8n)];

  it('rolls over only token events holding a spent proof, carrying every other proof in them', () => {
    const spentHere = record([a!, b!]);
    const untouched = record([c!]);
    const plan = planRollover([spentHere, untouched], bySecret([b!, c!, d!]), new Set([a!.secret]));
    expect(plan.destroyed).toEqual([spentHere]);
    expect(secrets(plan.fresh)).toEqual(secrets([b!, d!]));
    expect(secrets(plan.added)).toEqual(secrets([d!]));
    expect(secrets(plan.gone)).toEqual(secrets([a!]));
  });

  it('keeps live proofs the wallet does not hold: they are carried, not deleted', () => {
    const mixed = record([a!, b!, c!]);
    // the wallet holds b; a is spent; c is live but another machine's
    const plan = planRollover([mixed], bySecret([b!]), new Set([a!.secret]));
    expect(secrets(plan.fresh)).toEqual(secrets([b!, c!]));
    expect(secrets(plan.gone)).toEqual(secrets([a!]));
  });

  it('a mint that could not be asked: nothing is rolled over, new proofs are still added', () => {
    const plan = planRollover([record([a!, b!])], bySecret([d!]), null);
    expect(plan.destroyed).toEqual([]);
    expect(secrets(plan.fresh)).toEqual(secrets([d!]));
  });
});

describe('settling proofs only the backup holds', () => {
  it('asks the mint; spent ones may go, live ones go to the wallet, and a mint that cannot be asked stops only its own group', async () => {
    const wallet = new MemoryWallet(randomBytes(64));
    const [spent, live, elsewhere] = [proof(1n), proof(2n), proof(4n)];
    wallet.spent.add(spent.secret);
    const down = 'http://127.0.0.1:9';
    const groups = [
      { mint: MINT, unit: 'hash', current: new Map<string, Proof>() },
      { mint: down, unit: 'hash', current: new Map<string, Proof>() },
    ];
    const records = new Map([
      [MINT, [record([spent, live])]],
      [down, [record([elsewhere], down)]],
    ]);
    const settled = await settleUnknown({
      groups,
      records: (g) => records.get(g.mint)!,
      key: (g) => g.mint,
      checkSpent: async (mint, proofs) => {
        if (mint === down) throw new Error('connect ECONNREFUSED 127.0.0.1:9');
        return wallet.checkSpent(mint, proofs);
      },
      target: wallet,
      logger: silentLogger,
    });
    expect([...settled.spent.get(MINT)!]).toEqual([spent.secret]);
    expect(settled.spent.get(down)).toBeNull();
    expect(settled.problems[down]).toMatch(/backup stays as it is: connect ECONNREFUSED/);
    expect(settled.imported).toBe(1);
    expect(wallet.all().map((p) => p.secret)).toEqual([live.secret]);
  });

  it('live proofs the wallet does not take stay backed up (kept)', async () => {
    const live = proof(2n);
    const settled = await settleUnknown({
      groups: [{ mint: MINT, unit: 'hash', current: new Map() }],
      records: () => [record([live])],
      key: () => 'k',
      checkSpent: async (_m, proofs) => proofs.map(() => false),
      target: { seed: () => new Uint8Array(64), addMints: async () => undefined, importProofs: async () => 0, recoverAtMint: async () => 0 },
      logger: silentLogger,
    });
    expect([...settled.kept]).toEqual([live.secret]);
    expect(settled.spent.get('k')!.size).toBe(0);
  });
});
