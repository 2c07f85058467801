#!/usr/bin/env node
// Runs the TypeScript engine directly through tsx, so the CLI needs no build step.
import { register } from 'tsx/esm/api';
import { ensureUi } from '../scripts/ui-build.mjs';

// serve answers with the web UI from its first request: built here when missing or older than its sources
if (process.argv[2] === 'serve') ensureUi();
register();
const { main } = await import('../core/cli.ts');
await main(process.argv.slice(2));
