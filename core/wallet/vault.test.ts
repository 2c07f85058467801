import { describe, expect, it } from 'vitest';
import { chooseVault, keychainWeakness, passphraseVault, type SafeStorageLike, safeStorageVault } from './vault';

const MNEMONIC = 'half depart obvious quality work element tank gorilla view sugar picture humble';

describe('seed vaults', () => {
  it('passphrase: seals with scrypt + ChaCha20-Poly1305, opens only with the passphrase, never stores the plaintext', async () => {
    const vault = passphraseVault();
    const blob = await vault.seal(MNEMONIC, 'a long passphrase');
    expect(Buffer.from(blob).toString('utf8')).not.toContain('depart');
    expect(JSON.parse(Buffer.from(blob).toString('utf8'))).toMatchObject({ v: 1, kdf: 'scrypt', N: 32768 });
    expect(await vault.open(blob, 'a long passphrase')).toBe(MNEMONIC);
    await expect(vault.open(blob, 'a wrong passphrase')).rejects.toMatchObject({ code: 'wrong_passphrase' });
    await expect(vault.open(blob)).rejects.toMatchObject({ code: 'passphrase_required' });
    await expect(vault.seal(MNEMONIC, 'short')).rejects.toMatchObject({ code: 'weak_passphrase' });
    const tampered = Buffer.from(blob);
    const parsed = JSON.parse(tampered.toString('utf8')) as { data: string };
    const data = Buffer.from(parsed.data, 'base64');
    data[0]! ^= 1;
    parsed.data = data.toString('base64');
    await expect(vault.open(Buffer.from(JSON.stringify(parsed)), 'a long passphrase')).rejects.toMatchObject({ code: 'wrong_passphrase' });
    await expect(vault.open(Buffer.from('not json'), 'a long passphrase')).rejects.toMatchObject({ code: 'corrupt' });
  });

  it('safe storage: hands the seed to the OS keychain functions and refuses when encryption is unavailable', async () => {
    // Electron's safeStorage cannot exist here: a stand-in with its shape (XOR with a fixed OS key)
    let available = true;
    const osKey = 0x5a;
    const safeStorage: SafeStorageLike = {
      isEncryptionAvailable: () => available,
      encryptString: (text) => Buffer.from(Buffer.from(text, 'utf8').map((b) => b ^ osKey)),
      decryptString: (data) => Buffer.from(data.map((b) => b ^ osKey)).toString('utf8'),
    };
    const vault = safeStorageVault(safeStorage);
    expect(vault.needsPassphrase).toBe(false);
    const blob = await vault.seal(MNEMONIC);
    expect(Buffer.from(blob).toString('utf8')).not.toContain('depart');
    expect(await vault.open(blob)).toBe(MNEMONIC);
    available = false;
    await expect(vault.open(blob)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('safe storage answering from another process: a refusal that arrives later is a wrong key, not a crash', async () => {
    const keychain: SafeStorageLike = {
      isEncryptionAvailable: () => true,
      encryptString: async (text) => Buffer.from(text, 'utf8').reverse(),
      decryptString: async (data) => {
        if (data[0] === 0) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
        return Buffer.from(data).reverse().toString('utf8');
      },
    };
    const vault = safeStorageVault(keychain);
    const blob = await vault.seal(MNEMONIC);
    expect(await vault.open(blob)).toBe(MNEMONIC);
    await expect(vault.open(Buffer.from([0, 1, 2]))).rejects.toMatchObject({ code: 'wrong_passphrase' });
  });

  it('trusts the OS keychain only where it protects the seed: not Linux basic_text or unknown backends', () => {
    const keychain = (available: boolean, backend?: string): SafeStorageLike => ({
      isEncryptionAvailable: () => available,
      encryptString: () => Buffer.alloc(0),
      decryptString: () => '',
      ...(backend === undefined ? {} : { getSelectedStorageBackend: () => backend }),
    });
    for (const backend of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']) expect(keychainWeakness(keychain(true, backend), 'linux'), backend).toBeUndefined();
    for (const backend of ['basic_text', 'unknown']) expect(keychainWeakness(keychain(true, backend), 'linux'), backend).toMatch(/keyring/);
    expect(keychainWeakness(keychain(true), 'linux')).toMatch(/keyring/);
    expect(keychainWeakness(keychain(true), 'darwin')).toBeUndefined();
    expect(keychainWeakness(keychain(true), 'win32')).toBeUndefined();
    expect(keychainWeakness(keychain(false), 'darwin')).toMatch(/not available/);

    expect(chooseVault(keychain(true, 'gnome_libsecret'), undefined, 'linux').vault.kind).toBe('safe-storage');
    const fallback = chooseVault(keychain(true, 'basic_text'), undefined, 'linux');
    expect(fallback).toEqual({ vault: expect.objectContaining({ kind: 'passphrase', needsPassphrase: true }) });
    expect(chooseVault(keychain(false), 'passphrase', 'darwin').vault.kind).toBe('passphrase');
    expect(chooseVault('passphrase', undefined, 'linux').vault.kind).toBe('passphrase');
    // a seed an older version sealed with basic_text opens with nothing else: kept, and said
    const legacy = chooseVault(keychain(true, 'basic_text'), 'safe-storage', 'linux');
    expect(legacy.vault.kind).toBe('safe-storage');
    expect(legacy.warning).toMatch(/basic_text.*restore/);
  });
});
