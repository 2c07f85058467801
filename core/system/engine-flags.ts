/**
 * V8 flags for a process that runs the engine: `npm start` in headless mode starts `serve` with them, the desktop app
 * starts its engine process (an Electron utility process) with them, and the proxy bench measures its proxy with them.
 * V8 reads its heap sizes once, when the process starts, so these cannot be set from inside it; that is also why the
 * desktop app's engine does not run in Electron's main process, which takes no V8 flags after launch.
 *
 * Under a fleet's shares V8 grows its young generation to two 16 MB semi-spaces (64-bit), and each young-generation
 * collection then copies what is still alive from a second or two of shares in one pause. With 8 MB semi-spaces the
 * pauses are shorter and more frequent. In the proxy bench at 1,000 miners (2026-12-05, 2 cores), the proxy's p99
 * (median of five rounds) was 6.9-28 ms in five runs with V8's default and 3.6-5.8 ms in four with 8 MB (14.5 in a
 * fifth that shared the machine with a test run), at the same CPU per submit; at 1 miner its p99 stayed within the
 * 0.3 ms target in all five, which 4 MB semi-spaces missed in one run of two. The young generation's share of the RSS
 * is capped at 16 MB instead of 32. Tried again on 2026-12-06, after the proxy's allocation per share had come down
 * (a scavenge now promotes 10-40 KB and pauses ~1 ms with either size): a second proxy with 4 MB semi-spaces in the
 * same four bench runs held the first 1,000 aggregated miners in 11-20 MB against 21-27 and kept the 1-miner target,
 * but 7 of its 20 rounds at 1,000 miners had a p99 over 20 ms, against 1 of 20 with 8 MB.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

/**
 * The same flags for Electron's utilityProcess.fork. Its execArgv become the utility process's command-line switches;
 * of those, Electron hands V8 only `--js-flags`, read before the isolate (and so its heap) is made, and passes Node only
 * a short list of its options, where a V8 flag given directly is dropped without a word (Electron v38.8.6, fbc489c:
 * shell/browser/javascript_environment.cc, shell/services/node/node_service.cc, shell/common/node_bindings.cc).
 */
export const ENGINE_ELECTRON_EXEC_ARGV: readonly string[] = [`--js-flags=${ENGINE_NODE_FLAGS.join(' ')}`];
