import type { Journey } from '../harness';
import { badInputsBackend, badInputsForms } from './bad-inputs';
import { fleet } from './fleet';
import { integrations } from './integrations';
import { mineSendReceive, restoreFromNostr } from './mine-send-restore';
import { upstreamOutage } from './outage';
import { smoke } from './smoke';

export const journeys: Journey[] = [smoke, badInputsForms, badInputsBackend, mineSendReceive, restoreFromNostr, upstreamOutage, integrations, fleet];
