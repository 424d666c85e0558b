/** How a secret may show in output: a short prefix at most, nothing of a short one. */
import { describe, expect, it } from 'vitest';
import { maskToken, redact } from '../../src/core/redact.js';

describe('maskToken', () => {
  it.each([
    [`sha256~${'b'.repeat(43)}`, 'sha256~bbbb…'],
    ['hunter2', '…'],
    ['a-much-longer-password-123', 'a-mu…'],
  ])('masks %s as %s', (secret, masked) => {
    expect(maskToken(secret)).toBe(masked);
  });
});

describe('redact: a password in a URL, and a token in its query, are cut whole', () => {
  it.each([
    [
      'invalid reference "https://user:hunter2pass@registry.ci.openshift.org/ocp/4.7:cli"',
      'invalid reference "https://user:…@registry.ci.openshift.org/ocp/4.7:cli"',
    ],
    [
      '"user:hunter2pass@registry.ci.openshift.org" is not a QCI registry',
      '"user:…@registry.ci.openshift.org" is not a QCI registry',
    ],
    [
      'user:hunter2pass@127.0.0.1:5000/ocp/4.7:cli',
      'user:…@127.0.0.1:5000/ocp/4.7:cli',
    ],
    [
      'GET https://storage.googleapis.com/b/build-log.txt?X-Goog-Signature=abcdef0123&X-Goog-Date=1',
      'GET https://storage.googleapis.com/b/build-log.txt?X-Goog-Signature=…&X-Goog-Date=1',
    ],
    [
      'http://127.0.0.1:8080/log?token=SECRETSECRET',
      'http://127.0.0.1:8080/log?token=…',
    ],
    [
      'https://ghp_abcdefghijklmnop1234@github.com/o/r',
      'https://…@github.com/o/r',
    ],
    ['https://:hunter2pass@quay.io/x', 'https://:…@quay.io/x'],
    [
      'https://user:p@ss@host.example.com/x',
      'https://user:…@host.example.com/x',
    ],
    [
      'alice:hunter2pass@localhost/ocp/4.7:cli',
      'alice:…@localhost/ocp/4.7:cli',
    ],
    ['alice:hunter2pass@[::1]:5000/x', 'alice:…@[::1]:5000/x'],
    ['podman login user:hunter2pass@quay.io', 'podman login user:…@quay.io'],
    ['see user:hunter2pass@quay.io.', 'see user:…@quay.io.'],
    [
      'https://b.s3.amazonaws.com/log?X-Amz-Credential=AKIA1234&X-Amz-Security-Token=FwoGZX',
      'https://b.s3.amazonaws.com/log?X-Amz-Credential=…&X-Amz-Security-Token=…',
    ],
  ])('%s', (text, shown) => expect(redact(text)).toBe(shown));

  it.each([
    'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_cli@sha256:0123456789abcdef',
    'quay-proxy.ci.openshift.org/openshift/ci@sha256:01234abcdef',
    'ci:TAG@sha256:01234abcdef',
    'podman login -u alice quay.io',
    'see https://github.com/openshift/ci-tools and ocp/4.7:my-component',
    'ocp_4.7_cli@sha256:01234',
    'git clone git@github.com:openshift/release.git',
    'ssh://git@github.com/openshift/release',
    'mail alice@example.com',
  ])('leaves %s as it is', (text) => expect(redact(text)).toBe(text));
});
