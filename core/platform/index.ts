/**
 * The edge where Axewallet meets the machine: the native crypto implementations that the pure protocol
 * modules (core/protocol) take through their interfaces. Every entry point calls installPlatformCrypto()
 * once before it starts anything: core/app.ts (desktop and headless), core/cli.ts, the devnet, the
 * benchmarks and the test setup; child processes get it with `--import core/platform/register.ts`.
 */
import { installFastestAead } from './aead';

export { aeadImplementations, installFastestAead } from './aead';
export { sodium, type Sodium } from './sodium';

/** Installs the fastest ChaCha20-Poly1305 that loads here; says which. Idempotent. */
export function installPlatformCrypto(): { aead: string } {
  return { aead: installFastestAead().name };
}
