/** vitest setup (vitest.config.ts setupFiles): every test process runs on the platform's crypto, as the app does. */
import { installPlatformCrypto } from '../lib/platform';

installPlatformCrypto();
