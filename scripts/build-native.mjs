/**
 * Builds native/ecmult.node (see native/README.md) with the system C compiler against the libsecp256k1
 * source inside the installed `secp256k1` package and Node's own headers. Rebuilt only when the source
 * is newer than the build. Nothing depends on it being there: without it the wallet uses the published
 * bindings, so a machine without a compiler or headers gets a one-line note, not a failure.
 * Run from `npm install` (postinstall) and from the start, test and bench entry points.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ECMULT_ADDON = join(root, 'native', 'build', 'ecmult.node');
const SOURCE = join(root, 'native', 'ecmult.c');
/** the addon is stale when any C file beside it is newer (ecmult.c includes comb.h) */
const newestSource = () =>
  Math.max(
    ...readdirSync(dirname(SOURCE))
      .filter((f) => /\.[ch]$/.test(f))
      .map((f) => statSync(join(dirname(SOURCE), f)).mtimeMs),
  );

function nodeHeaders() {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node')];
  return candidates.find((dir) => dir && existsSync(join(dir, 'node_api.h')));
}

function libraryDefines() {
  // the settings the `secp256k1` package builds its own addon with (its binding.gyp)
  const common = ['ECMULT_GEN_PREC_BITS=4', 'ECMULT_WINDOW_SIZE=15', 'USE_ENDOMORPHISM=1', 'USE_NUM_NONE=1', 'USE_FIELD_INV_BUILTIN=1', 'USE_SCALAR_INV_BUILTIN=1'];
  const wide = process.arch === 'x64' || process.arch === 'arm64';
  const arith = wide ? ['HAVE___INT128=1', 'USE_FIELD_5X52=1', 'USE_SCALAR_4X64=1'] : ['USE_FIELD_10X26=1', 'USE_SCALAR_8X32=1'];
  if (process.arch === 'x64') arith.push('USE_ASM_X86_64=1');
  return [...common, ...arith, 'NODE_GYP_MODULE_NAME=ecmult'];
}

/** Returns null when the addon is (now) up to date, else why it could not be built. */
export function buildNative() {
  if (process.platform === 'win32') return 'not built on Windows (no cc); the published secp256k1 bindings are used';
  let library;
  try {
    library = join(dirname(createRequire(import.meta.url).resolve('secp256k1/package.json')), 'src', 'secp256k1');
  } catch {
    return 'the secp256k1 package is not installed';
  }
  if (!existsSync(join(library, 'src', 'secp256k1.c'))) return `no libsecp256k1 source in ${library}`;
  if (existsSync(ECMULT_ADDON) && statSync(ECMULT_ADDON).mtimeMs >= newestSource()) return null;
  const headers = nodeHeaders();
  if (!headers) return "Node's C headers (node_api.h) were not found next to this node binary";
  const compiler = process.env.CC ?? 'cc';
  mkdirSync(dirname(ECMULT_ADDON), { recursive: true });
  const args = [
    '-O2',
    '-shared',
    '-fPIC',
    '-w',
    ...libraryDefines().map((d) => `-D${d}`),
    `-I${headers}`,
    `-I${library}`,
    `-I${join(library, 'src')}`,
    SOURCE,
    '-o',
    ECMULT_ADDON,
    ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []),
  ];
  const result = spawnSync(compiler, args, { encoding: 'utf8' });
  if (result.error) return `no C compiler (${compiler}: ${result.error.message})`;
  if (result.status !== 0) return `${compiler} failed: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`;
  return null;
}

/** For entry points: builds if needed, says so in one line when it cannot. */
export function ensureNative(log = (m) => process.stderr.write(`${m}\n`)) {
  const problem = buildNative();
  if (problem) log(`note: fast DLEQ/Schnorr checks unavailable (${problem}); using the published secp256k1 bindings.`);
  return problem === null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureNative();
