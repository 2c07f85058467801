/** The words Axewallet uses that a new miner may not know, each explained once, in plain words. */
export const glossary = {
  ehash:
    "ecash for mining work. Every share the pool accepts pays a small amount of ehash into this wallet; 1 unit stands for a fixed number of expected hashes (here: as the mint's quotes say). You can hold it, send it or, where the pool offers it, redeem it.",
  share: "A proof that your Bitaxe did work: a hash below the pool's target. The pool checks each share and accepts or rejects it; each accepted share earns ehash.",
  quote: "The mint's promise to issue ehash for one accepted share. Axewallet turns paid quotes into proofs in the background.",
  proof: 'One coin of ecash, signed by the mint. Your balance is the sum of your unspent proofs; Axewallet merges small ones so the count stays low.',
  mint: 'The service that issues and redeems the ecash. You trust it to honour what it issued, so receive only from mints you know.',
  unit: 'What an amount is counted in. hashpool\'s mint uses "hash"; a new mining epoch can start a new unit.',
  waiting: 'Shares sent to the pool whose answer (accepted or rejected) has not arrived yet. A few is normal; many for a long time means the pool is slow or gone.',
  token: 'A cashuB… text holding proofs. Whoever has it can claim the amount, so hand it only to the receiver. Until they claim it you can take it back.',
  reclaim: 'Taking back a token nobody claimed yet: the wallet swaps its proofs for new ones, so the old token stops working.',
  restore: 'NUT-09 restore: your 12 words recreate every coin the mint signed for this wallet, by asking the mint again for the same signatures. Nothing else is needed than the words and the mint.',
  lockingKey:
    'The key your ehash is locked to until it is in this wallet, so nobody else can take it on the way. By default it comes from your words; a pool operator may give you a static key instead.',
  hashrate: 'Hashes per second. The device reports what its chips should do; Axewallet measures the work in the shares the pool accepted, which is what earns ehash.',
  estimate:
    'A price in sats needs a price or payout ratio from the pool. hashpool publishes none yet (redeeming ehash for sats is still a design), so Axewallet shows no sats figure rather than a made-up one.',
} as const;

export type GlossaryTerm = keyof typeof glossary;
