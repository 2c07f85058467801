/** The system part of the engine for core/app.ts: status, settings applied live, logs, and each upstream's mint. */
export { registerSystemApi, type StatusSource, statusOf, type SystemApiOptions } from './api';
export { type LiveServices, liveSettings } from './live-settings';
export { UpstreamMints } from './upstream-mints';
export { engineLog, type EngineLogOptions, StopList } from './lifecycle';
export { connectQuoteLoop, type QuoteLoop } from './quote-loop';
export { backupFollowsWallet } from './backup-follows-wallet';
