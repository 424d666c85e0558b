/** What a failed engine run's output is classified as (podman 4.3.1's messages, seen here): code words, not whole phrases. */
import { describe, expect, it } from 'vitest';
import {
  classifyEngineFailure,
  engineErrorLine,
} from '../../src/engine/classify.js';

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
    [
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      'engine-unavailable',
    ],
    [
      'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Post "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/images/create": dial unix /var/run/docker.sock: connect: permission denied',
      'engine-unavailable',
    ],
    [
      'failed to connect to the docker API at unix:///var/run/docker.sock; check if the path is correct and if the daemon is running: dial unix /var/run/docker.sock: connect: no such file or directory',
      'engine-unavailable',
    ],
    [
      'error during connect: This error may indicate that the docker daemon is not running.: Get "http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.24/version": open //./pipe/docker_engine: The system cannot find the file specified.',
      'engine-unavailable',
    ],
    [
      'Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`, or try `podman machine init` and `podman machine start` to manage a new Linux VM\nError: unable to connect to Podman socket: dial tcp 127.0.0.1:2222: connect: connection refused',
      'engine-unavailable',
    ],
  ])('classifies %j as %s', (text, cause) => {
    expect(classifyEngineFailure(text)).toBe(cause);
  });
});

describe("engineErrorLine: the engine's own error, in one line", () => {
  it.each([
    [
      'Trying to pull x...\nError: initializing source: manifest unknown\n',
      'Error: initializing source: manifest unknown',
    ],
    [
      'Error: get credentials: 1 error occurred:\n\t* reading JSON file "/home/u/.config/containers/auth.json": unexpected end of JSON input\n\n',
      'Error: get credentials: 1 error occurred: reading JSON file "/home/u/.config/containers/auth.json": unexpected end of JSON input',
    ],
    ['no error word here\nlast line\n', 'last line'],
  ])('%j → %j', (output, line) => expect(engineErrorLine(output)).toBe(line));
});
