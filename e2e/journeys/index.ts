import type { Journey } from '../harness';
import { badInputsBackend, badInputsForms } from './bad-inputs';
import { mineSendReceive, restoreFromNostr } from './mine-send-restore';
import { smoke } from './smoke';

export const journeys: Journey[] = [smoke, badInputsForms, badInputsBackend, mineSendReceive, restoreFromNostr];
