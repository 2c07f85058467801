/**
 * Words confirmed before the wallet exists: wallet.newWords stores nothing (a reload on the words screen
 * leaves no wallet behind), and wallet.create installs exactly the words the user confirmed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiHost } from '../api/host';
import { registerWalletApi } from './api';
import { bip39Seed, deriveLockingKey } from './keys';
import { TEST_PASSPHRASE, tempDir, testWallet } from './testing/kit';

describe('recovery words before the wallet', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('new words store nothing; create installs the confirmed ones; invalid words are refused', async () => {
    const dir = tempDir('axw-words-');
    cleanups.push(dir.remove);
    const wallet = testWallet(`${dir.path}/home`, 'http://127.0.0.1:1');
    cleanups.push(() => wallet.close());
    const host = new ApiHost();
    registerWalletApi(host, wallet);

    const first = await host.invoke('wallet.newWords', {});
    const second = await host.invoke('wallet.newWords', {});
    expect(first.mnemonic.split(' ')).toHaveLength(12);
    expect(second.mnemonic).not.toBe(first.mnemonic);
    expect((await host.invoke('wallet.get', {})).exists).toBe(false);

    await expect(host.invoke('wallet.create', { passphrase: TEST_PASSPHRASE, mnemonic: 'not twelve words' })).rejects.toMatchObject({ code: 'bad_request' });
    expect((await host.invoke('wallet.get', {})).exists).toBe(false);

    const created = await host.invoke('wallet.create', { passphrase: TEST_PASSPHRASE, mnemonic: second.mnemonic });
    expect(created.mnemonic).toBe(second.mnemonic);
    expect(created.lockingPubkey).toBe(deriveLockingKey(bip39Seed(second.mnemonic)).pubkey);
    await expect(host.invoke('wallet.create', { passphrase: TEST_PASSPHRASE, mnemonic: first.mnemonic })).rejects.toMatchObject({ code: 'conflict' });
  });
});
