import { describe, expect, it } from 'vitest';
import { passphraseVault, type SafeStorageLike, safeStorageVault } from './vault';

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
});
