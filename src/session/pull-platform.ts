/**
 * A pull that failed because the image has no manifest for the platform asked for: the platforms it
 * does have, read from its index (as qci inspect reads it). Loaded only on that failure.
 */
import { QciError } from '../core/errors.js';
import { inspectQci } from './inspect.js';
import type { AuthSetup } from './setup.js';

/** qci inspect's words for the missing platform ("…has no linux/s390x image; it has …"), or null. */
export async function platformsInstead(
  setup: AuthSetup,
  input: string,
  authfile: string | undefined,
): Promise<{ message: string; hint: string | undefined } | null> {
  try {
    await inspectQci(setup, input, {
      authfile,
      timeoutMs: 15_000,
      login: false,
    });
    return null;
  } catch (error) {
    if (error instanceof QciError && error.kind === 'platform-missing')
      return { message: error.message, hint: error.hint };
    return null;
  }
}
