/** Every QCI entry in every auth file podman or docker reads, judged: what it holds, and who sends it. */
import {
  keyBelongsToHost,
  type AuthEntry,
  type AuthFileOk,
  type AuthFileState,
} from '../../auth/index.js';
import { HELPER_NAME } from '../../auth/credential-helper.js';
import { tildify } from '../../core/paths.js';
import { maskToken } from '../../core/redact.js';
import type { EngineName } from '../../engine/engine.js';
import type { PullSecretView } from '../../session/pull-secret-check.js';
import { found, type Finding, type Subject } from '../catalogue.js';
import {
  checkHelperAnswers,
  checkOwnHelper,
  type HelpersProbe,
} from './helpers.js';

export interface AuthProbe extends HelpersProbe {
  /** `qci doctor --authfile PATH`: the file podman is given, as given. */
  authfile: string | null;
  /** The auth files each engine reads, in its order (a file both read is judged once). */
  files: readonly { engine: EngineName; states: readonly AuthFileState[] }[];
  /** Why stored tokens could not be checked (another cluster's context, or no answer). */
  uncheckedWhy(): Promise<string>;
  /** --authfile as a pull secret (several registries' entries): whose token, until when; null when it is none. */
  pullSecret(): Promise<PullSecretView | null>;
}

export async function checkAuthEntries(p: AuthProbe): Promise<Finding[]> {
  const out = await checkHelperAnswers(p);
  const seen = new Set<string>();
  for (const { engine, states } of p.files) {
    for (const file of states) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      if (file.state === 'absent' && file.path === p.authfile)
        out.push(found('auth.authfile-missing', { path: p.authfile }));
      else if (file.state === 'corrupt') {
        const shown = tildify(file.path, p.home);
        out.push(
          found('auth.corrupt', { reason: file.reason, engine, file: shown }),
        );
      } else if (file.state === 'unreadable') {
        const shown = tildify(file.path, p.home);
        out.push(
          found('auth.unreadable', {
            reason: file.reason,
            engine,
            file: shown,
            code: file.code,
          }),
        );
      } else if (file.state === 'ok')
        out.push(...(await fileFindings(p, file)));
    }
  }
  out.push(...authfileFallback(p));
  const pullSecret = await p.pullSecret();
  if (pullSecret) out.push(found('auth.pull-secret', pullSecret));
  for (const [engine, e] of p.effective)
    if (e.outcome === 'none' && p.installed(engine))
      out.push(found(`auth.none.${engine}` as const, { host: p.host }));
  return out;
}

/**
 * podman before 4.4 (containers/image before 5.24) reads its other files after --authfile: what it sends
 * may come from one of them (seen with podman 4.3.1), while newer podman would send nothing.
 */
function authfileFallback(p: AuthProbe): Finding[] {
  const winner = p.effective.get('podman')?.winner;
  if (!p.authfile || !winner || winner.file.path === p.authfile) return [];
  return [
    found('auth.authfile-fallback', {
      path: p.authfile,
      key: winner.key,
      file: tildify(winner.file.path, p.home),
      why: winner.file.why,
    }),
  ];
}

async function fileFindings(
  p: AuthProbe,
  file: AuthFileOk,
): Promise<Finding[]> {
  const out: Finding[] = [];
  const shown = tildify(file.path, p.home);
  for (const [hostKey, helper] of Object.entries(file.credHelpers))
    if (keyBelongsToHost(hostKey, p.host) && helper === HELPER_NAME)
      out.push(await checkOwnHelper(p, shown));
  if (file.credsStore)
    out.push(found('auth.credsstore', { file: shown, store: file.credsStore }));
  for (const entry of file.entries)
    if (keyBelongsToHost(entry.key, p.host))
      out.push(...(await entryFindings(p, file, entry)));
  return out;
}

/** One QCI entry: what it holds (app.ci's verdict on its token), and which engines send it. */
async function entryFindings(
  p: AuthProbe,
  file: AuthFileOk,
  entry: AuthEntry,
): Promise<Finding[]> {
  const { key } = entry;
  const sent = (e: { winner?: { file: { path: string }; key: string } }) =>
    e.winner?.file.path === file.path && e.winner?.key === key;
  const usedBy = [...p.effective]
    .filter(([, e]) => sent(e))
    .map(([engine]) => engine);
  const failsOn = [...p.effective]
    .filter(([, e]) => e.error?.file.path === file.path && e.error.key === key)
    .map(([engine]) => engine);
  const passedBy = [...p.effective]
    .filter(([, e]) =>
      e.passedOver.some((s) => s.file.path === file.path && s.key === key),
    )
    .map(([engine]) => engine);
  const at = {
    key,
    file: tildify(file.path, p.home),
    usedBy,
    failsOn,
    passedBy,
  };
  const subject: Subject = {
    kind: 'entry',
    file: file.path,
    format: file.ref.format,
    key,
  };
  if (entry.kind === 'basic' && entry.hasIdentityToken)
    return [found('auth.identity-token', at, subject)];
  const secret = entry.password();
  if (!secret) {
    const dockerPlaceholder =
      entry.kind === 'placeholder' &&
      file.ref.format === 'docker-config' &&
      p.installed('docker');
    const described = entry.describe();
    return [
      found('auth.unusable', { ...at, described, dockerPlaceholder }, subject),
    ];
  }
  const unreachable = (
    p.effective.get('podman')?.unreachableByPodmanLogout ?? []
  ).some((s) => s.file.path === file.path && s.key === key);
  const state = await p.tokenState(secret);
  switch (state) {
    case 'expired':
      return [
        found(
          'auth.expired',
          { ...at, masked: maskToken(secret), unreachable },
          subject,
        ),
      ];
    case 'other-user':
      return [found('auth.other-user', at, subject)];
    case 'unknown':
      return [
        found(
          'auth.unchecked',
          { ...at, why: await p.uncheckedWhy() },
          subject,
        ),
      ];
    case 'current':
    case 'valid': {
      const current = state === 'current';
      const valid = found('auth.valid', { ...at, current }, subject);
      if (!unreachable || usedBy.length > 0) return [valid];
      return [valid, found('auth.unreachable-by-logout', at)];
    }
  }
}
