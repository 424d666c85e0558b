/**
 * qci pull-secret's checks before anything is asked of app.ci or written: flags that do not go together,
 * names, durations, --json without a destination, a terminal. The kubeconfig points nowhere, so a check
 * that came too late would fail with "no kubeconfig" (exit 3) instead. The flows run end to end in
 * test/e2e/pull-secret*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isolatedEnv, qci } from '../helpers/cli.js';

describe('qci pull-secret: refused before app.ci is asked', () => {
  it.each([
    [['-o', 'a.json', '--merge', 'b.txt'], '-o and --merge cannot be combined'],
    [['--merge', 'b.txt', '--apply'], '--merge and --apply cannot be combined'],
    [['-o', 'a.json', '--namespace', 'ci'], '--namespace only go with --apply'],
    [['-o', 'a.json', '--dry-run'], '--dry-run goes with --apply or --merge'],
    [
      ['-o', 'a.json', '--duration', '1h'],
      '--duration goes with --service-account',
    ],
    [
      ['-o', 'a.json', '--service-account', 'image-puller'],
      'expected NAMESPACE/NAME',
    ],
    [
      ['-o', 'a.json', '--service-account', 'My_Project/x'],
      '--service-account namespace "My_Project"',
    ],
    [
      ['-o', 'a.json', '--service-account', 'p/Bad_Name'],
      '--service-account name "Bad_Name"',
    ],
    [
      ['-o', 'a.json', '--service-account', 'p/sa', '--duration', '5m'],
      'shorter than 10 minutes',
    ],
    [['--apply', '--namespace', 'ci'], '--namespace and --name go together'],
    [
      ['--apply', '--link-service-account', 'default'],
      '--link-service-account needs --namespace',
    ],
    [['--json'], 'never the secret'],
  ])('%j: %s', async (args, message) => {
    const r = await qci(['pull-secret', ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('a terminal on stdout: refused, with how to write it to a file', async () => {
    const r = await qci(['pull-secret'], { tty: true, env: isolatedEnv() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'qci does not print a pull secret to a terminal',
    );
    expect(r.stderr).toContain('qci pull-secret -o pull-secret.json');
  });

  it('--json failures are one JSON document too', async () => {
    const r = await qci(['pull-secret', '--json']);
    expect(JSON.parse(r.stdout).error).toMatchObject({ kind: 'usage' });
  });
});
