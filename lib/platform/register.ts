/** `node --import tsx --import lib/platform/register.ts child.ts`: a child process with the platform's crypto installed. */
import { installPlatformCrypto } from './index';

installPlatformCrypto();
