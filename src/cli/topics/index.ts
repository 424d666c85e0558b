/** The guides `qci help TOPIC` prints, bundled with qci (nothing is read from disk to show them). */
import { credentials } from './credentials.js';
import { exitCodes } from './exit-codes.js';
import type { Topic } from './format.js';
import { references } from './references.js';
import { settings } from './settings.js';

export { renderTopic, type Topic } from './format.js';
export { EXIT_CODES_HELP } from './exit-codes.js';

export const TOPICS: readonly Topic[] = [
  credentials,
  references,
  settings,
  exitCodes,
];

export function topicNamed(name: string): Topic | undefined {
  return TOPICS.find((t) => t.name === name);
}
