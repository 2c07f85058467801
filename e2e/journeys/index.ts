import type { Journey } from '../harness';
import { badInputsForms } from './bad-inputs';
import { smoke } from './smoke';

export const journeys: Journey[] = [smoke, badInputsForms];
