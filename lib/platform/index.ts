/**
 * The edge where Axewallet meets the machine: the native and wasm crypto backends that the pure protocol
 * modules (lib/protocol) take through their interfaces. Every entry point calls installPlatformCrypto()
 * once before it starts anything: core/app.ts (desktop and headless), core/cli.ts, the devnet, the
 * benchmarks and the test setup; child processes get it with `--import lib/platform/register.ts`.
 */
import { installFastestAead } from './aead';
import { installFastestSecp } from './secp';

export { aeadImplementations, installFastestAead } from './aead';
export { installFastestSecp, secpBackends } from './secp';
export { sodium, type Sodium } from './sodium';

/** Installs the fastest secp256k1 backend and ChaCha20-Poly1305 that load here; says which. Idempotent. */
export function installPlatformCrypto(): { secp: string; aead: string } {
  return { secp: installFastestSecp().name, aead: installFastestAead().name };
}
