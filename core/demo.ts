/**
 * The one place core reaches into devnet/: the embedded demo network that `serve` runs when no
 * upstream is configured, and the `axewallet devnet` command.
 */
export { startDevnet } from '../devnet/index';
export { runDevnetCli } from '../devnet/cli';
