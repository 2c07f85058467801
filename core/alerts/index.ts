export { type AlertDraft, AlertCenter, type ConditionState, type RuleOutcome } from './center';
export { type AlertThresholds, DEFAULT_THRESHOLDS } from './device-rules';
export { registerAlertsApi } from './api';
export { type AlertPipeline, type AlertSources, startAlertPipeline } from './pipeline';
export { type ExpiringEhash, settingsFileAlert, stratumPortAlert, upstreamName } from './system-rules';
