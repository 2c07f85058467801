export { type AlertDraft, AlertCenter, type ConditionState, type RuleOutcome } from './center';
export { type AlertThresholds, DEFAULT_THRESHOLDS } from './device-rules';
export { type AlertPipeline, type AlertSources, registerAlertsApi, startAlertPipeline } from './pipeline';
export { type ExpiringEhash, settingsFileAlert, stratumPortAlert, upstreamName } from './system-rules';
