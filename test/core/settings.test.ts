import { settingsValidator } from '../../src/core/settings-schema.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_SETTINGS,
  resolveSettings,
  uncheckedContext,
} from '../../src/core/settings.js';
import { QciError } from '../../src/core/errors.js';

const file = (data: unknown) => ({
  path: '/home/u/.config/qci/config.yaml',
  data,
});

describe('resolveSettings: precedence flag > environment > config file > default', () => {
  it('uses the defaults with no sources', () => {
    const { settings, sources } = resolveSettings({}, settingsValidator);
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(settings.registry).toBe('quay-proxy.ci.openshift.org');
    expect(settings.platform).toBe('linux/amd64');
    expect(sources.registry).toBe('default');
  });

  // setting, file value, env value, flag value, expected value, expected source
  const cases: [
    string,
    unknown,
    string | undefined,
    unknown,
    unknown,
    string,
  ][] = [
    [
      'registry',
      '10.0.0.1:5000',
      undefined,
      undefined,
      '10.0.0.1:5000',
      'config file',
    ],
    [
      'registry',
      '10.0.0.1:5000',
      '127.0.0.1:5000',
      undefined,
      '127.0.0.1:5000',
      'environment',
    ],
    [
      'registry',
      '10.0.0.1:5000',
      '127.0.0.1:5000',
      'localhost:6000',
      'localhost:6000',
      'flag',
    ],
    ['tlsVerify', false, undefined, undefined, false, 'config file'],
    ['tlsVerify', true, 'false', undefined, false, 'environment'],
    ['tlsVerify', undefined, 'false', 'true', true, 'flag'],
    ['tlsVerify', undefined, '0', undefined, false, 'environment'],
    ['context', 'from-file', 'app.ci', undefined, 'app.ci', 'environment'],
    ['engine', 'docker', undefined, undefined, 'docker', 'config file'],
    ['engine', 'docker', 'podman', undefined, 'podman', 'environment'],
    [
      'platform',
      undefined,
      'linux/arm64',
      'linux/arm64/v8',
      'linux/arm64/v8',
      'flag',
    ],
  ];
  const env = {
    registry: 'QCI_REGISTRY',
    tlsVerify: 'QCI_TLS_VERIFY',
    context: 'QCI_CONTEXT',
    engine: 'QCI_ENGINE',
    platform: 'QCI_PLATFORM',
  } as const;
  const fileKey = {
    registry: 'registry',
    tlsVerify: 'tls-verify',
    context: 'context',
    engine: 'engine',
    platform: 'platform',
  } as const;
  it.each(cases)(
    '%s: file=%j env=%j flag=%j → %j',
    (key, fromFile, fromEnv, fromFlag, value, source) => {
      const k = key as keyof typeof env;
      const { settings, sources } = resolveSettings(
        {
          file: file(fromFile === undefined ? {} : { [fileKey[k]]: fromFile }),
          env: { [env[k]]: fromEnv },
          flags: { [k]: fromFlag },
        },
        settingsValidator,
      );
      expect(settings[k]).toBe(value);
      expect(sources[k]).toBe(source);
    },
  );
});

describe('resolveSettings: a bad value names its source', () => {
  const cases: [string, Parameters<typeof resolveSettings>[0], string][] = [
    [
      'env registry with scheme',
      { env: { QCI_REGISTRY: 'https://quay.io' } },
      'environment QCI_REGISTRY=https://quay.io',
    ],
    [
      'env registry with path',
      { env: { QCI_REGISTRY: 'quay.io/openshift' } },
      'no scheme, no path',
    ],
    [
      'env tls',
      { env: { QCI_TLS_VERIFY: 'maybe' } },
      'environment QCI_TLS_VERIFY=maybe: expected true or false',
    ],
    [
      'env engine',
      { env: { QCI_ENGINE: 'cri-o' } },
      'environment QCI_ENGINE=cri-o',
    ],
    ['env platform', { env: { QCI_PLATFORM: 'amd64' } }, 'expected OS/ARCH'],
    ['flag platform', { flags: { platform: 'x' } }, 'option --platform'],
    ['flag tls', { flags: { tlsVerify: 'nope' } }, 'option --tls-verify=nope'],
    [
      'file unknown key',
      { file: file({ regsitry: 'x' }) },
      'config file /home/u/.config/qci/config.yaml',
    ],
    ['file wrong type', { file: file({ 'tls-verify': 'no' }) }, 'tls-verify'],
    ['file not a mapping', { file: file(['a']) }, 'config file'],
  ];
  it.each(cases)('%s', (_name, input, words) => {
    expect(() => resolveSettings(input, settingsValidator)).toThrow(QciError);
    expect(() => resolveSettings(input, settingsValidator)).toThrow(words);
  });

  it('a bad value in the file is reported even when the environment overrides that setting', () => {
    // A broken config file should not silently hide behind an environment variable.
    expect(() =>
      resolveSettings(
        {
          file: file({ engine: 'rkt' }),
          env: { QCI_ENGINE: 'podman' },
        },
        settingsValidator,
      ),
    ).toThrow('engine');
  });
});

describe('uncheckedContext: the context resolveSettings names, before anything is checked', () => {
  // Values each source may hold: unset, empty, names, and what the checks refuse.
  const value = fc.constantFrom(
    undefined,
    '',
    'app.ci',
    'mine',
    'other/ctx',
    ' spaced ',
    42,
    null,
    ['a'],
  );
  it('agrees with resolveSettings whenever the settings are valid (flag, QCI_CONTEXT, config file)', () => {
    fc.assert(
      fc.property(
        value,
        value,
        value,
        fc.boolean(),
        (flag, env, fromFile, withFile) => {
          const input = {
            flags: { context: flag },
            env: typeof env === 'string' ? { QCI_CONTEXT: env } : {},
            ...(withFile
              ? {
                  file: file(
                    fromFile === undefined ? {} : { context: fromFile },
                  ),
                }
              : {}),
          };
          let expected: string | undefined;
          try {
            expected = resolveSettings(input, settingsValidator).settings
              .context;
          } catch (error) {
            if (!(error instanceof QciError)) throw error;
            return; // refused: the command reports it, whatever was opened ahead
          }
          expect(uncheckedContext(input)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads a config file that is not a mapping as naming none', () => {
    for (const data of [null, 'context', ['context'], 7])
      expect(uncheckedContext({ file: file(data) })).toBeUndefined();
  });
});
