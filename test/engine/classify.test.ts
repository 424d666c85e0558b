/** What a failed engine run's output is classified as (podman 4.3.1's messages, seen here): code words, not whole phrases. */
import { describe, expect, it } from 'vitest';
import { classifyEngineFailure } from '../../src/engine/classify.js';

describe('classifyEngineFailure', () => {
  it.each([
    [
      'Error: writing blob: storing blob to file "/var/tmp/x": open /var/tmp/x: permission denied',
      'unknown',
    ],
    [
      'reading manifest x in y: denied: requested access to the resource is denied',
      'denied',
    ],
    [
      'Requesting bearer token: invalid status code from registry 403 (Forbidden)',
      'denied',
    ],
    [
      'Error: choosing an image from manifest list docker://h/openshift/ci:x: no image found in image index for architecture s390x, variant "", OS linux',
      'platform-missing',
    ],
    [
      'Error response from daemon: no matching manifest for linux/s390x in the manifest list entries',
      'platform-missing',
    ],
  ])('classifies %j as %s', (text, cause) => {
    expect(classifyEngineFailure(text)).toBe(cause);
  });
});
