/**
 * --farm-registry / QCI_FARM_REGISTRY stands in for a build farm's registry in tests: a loopback
 * host:port only (core/loopback.ts's rule, the one proxy settings and job-log URLs use).
 */
import { describe, expect, it } from 'vitest';
import type { JobImage } from '../../src/core/joblog-image.js';
import { QciError } from '../../src/core/errors.js';
import { farmTarget } from '../../src/session/job-pull.js';

const image = {
  namespace: 'ci-op-abc123',
  cluster: 'build05',
  registry: 'registry.build05.ci.openshift.org',
  tag: 'src',
} as JobImage;

describe('farmTarget with a stand-in registry', () => {
  it.each(['127.0.0.1:5000', '127.3.2.1:80', 'localhost:5000', '[::1]:5000'])(
    'takes %s',
    (host) => {
      expect(farmTarget(image, host).pullSpec).toBe(
        `${host}/ci-op-abc123/pipeline:src`,
      );
    },
  );

  it.each([
    '127.999.0.1:5000',
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:70000',
    '10.0.0.1:5000',
    'example.com:5000',
    '127.0.0.1.example.com:5000',
    '127.0.0.1:5000/evil',
  ])('refuses %s as a usage error', (host) => {
    try {
      farmTarget(image, host);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(QciError);
      expect((error as QciError).kind).toBe('usage');
      expect((error as QciError).message).toContain(
        'must be a loopback host:port',
      );
    }
  });

  it('without one, the farm registry the log names', () => {
    expect(farmTarget(image).registry).toBe(
      'registry.build05.ci.openshift.org',
    );
  });
});
