/**
 * Credential helpers asked for QCI: what each engine's helper (credHelpers, docker's credsStore) answered,
 * judged like a stored token; URL-form keys that make the engine choose at random; and
 * docker-credential-qci, which `qci login --helper` registers.
 */
import type { EffectiveCredential } from '../../auth/index.js';
import { HELPER_BINARY, HELPER_NAME } from '../../auth/credential-helper.js';
import { tildify } from '../../core/paths.js';
import { maskToken } from '../../core/redact.js';
import type { EngineName } from '../../engine/engine.js';
import { found, type Finding } from '../catalogue.js';
import { messageOf } from '../../core/errors.js';

/** app.ci's verdict on a token: `current` is the kube context's own. */
export type TokenState =
  | 'current'
  | 'valid'
  | 'other-user'
  | 'expired'
  | 'unknown';

export interface HelpersProbe {
  host: string;
  home: string;
  /** What each engine sends for QCI, its helpers asked as the engine asks them. */
  effective: ReadonlyMap<EngineName, EffectiveCredential>;
  tokenState(secret: string): Promise<TokenState>;
  /** Is this program on PATH? */
  installed(binary: string): boolean;
  /** The app.ci token docker-credential-qci answers with, read as it reads it (throws when none). */
  currentToken(): Promise<{ token: string; source: string }>;
}

export async function checkHelperAnswers(p: HelpersProbe): Promise<Finding[]> {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const [engine, e] of p.effective) {
    if (e.outcome === 'ambiguous') out.push(ambiguous(p, engine, e));
    const winner = e.winner;
    const helper = winner?.helper;
    if (!winner || helper === undefined || helper === HELPER_NAME) continue;
    const at = {
      how: winner.how === 'credsStore' ? 'credsStore' : 'credHelpers',
      helper,
      file: tildify(winner.file.path, p.home),
      host: p.host,
      engine,
    } as const;
    // One finding per helper and outcome: podman and docker asking the same helper get one answer.
    const once = `${at.how}\0${helper}\0${at.file}\0${e.outcome}`;
    if (seen.has(once)) continue;
    seen.add(once);
    const answer = await helperAnswer(p, e, at);
    if (answer) out.push(answer);
  }
  return out;
}

function ambiguous(
  p: HelpersProbe,
  engine: EngineName,
  e: EffectiveCredential,
): Finding {
  const keys = e.candidates.map((c) => c.key);
  const file = tildify(e.candidates[0]?.file.path ?? '', p.home);
  return found('auth.ambiguous', { file, host: p.host, keys, engine });
}

type HelperAt = {
  how: 'credHelpers' | 'credsStore';
  helper: string;
  file: string;
  host: string;
  engine: EngineName;
};

async function helperAnswer(
  p: HelpersProbe,
  e: EffectiveCredential,
  at: HelperAt,
): Promise<Finding | undefined> {
  if (e.outcome === 'error')
    return found('auth.helper-failed', {
      ...at,
      reason: e.error?.reason ?? 'the helper failed',
    });
  if (e.helperAnswer?.state !== 'found') return undefined;
  // --fix erases a dead secret through the helper, as `qci logout` does; `docker logout` does not
  // for a podman file's credHelpers.
  const subject = {
    kind: 'helper',
    helper: at.helper,
    file: at.file,
    remedy:
      at.how === 'credHelpers' && e.winner?.file.format !== 'docker-config'
        ? `podman logout --authfile ${at.file} ${at.host}`
        : `docker logout ${at.host}`,
  } as const;
  if (e.sends.kind === 'identity-token')
    return found('auth.helper-identity-token', at, subject);
  const secret = e.sends.secret?.();
  if (e.sends.kind !== 'basic' || !secret)
    return found('auth.helper-empty', at);
  const state = await p.tokenState(secret);
  const masked = maskToken(secret);
  if (state === 'expired')
    return found('auth.helper-expired', { ...at, masked }, subject);
  if (state === 'other-user')
    return found('auth.helper-other-user', { ...at, masked });
  return found('auth.helper', {
    ...at,
    masked,
    unchecked: state === 'unknown',
  });
}

/**
 * `qci login --helper` registered docker-credential-qci in `file` (as shown): is it on PATH, and is the
 * token it would answer with (read in-process, as the helper reads it) alive?
 */
export async function checkOwnHelper(
  p: HelpersProbe,
  file: string,
): Promise<Finding> {
  const at = { file, host: p.host };
  if (!p.installed(HELPER_BINARY)) return found('auth.own-helper-missing', at);
  let current: { token: string; source: string };
  try {
    current = await p.currentToken();
  } catch (error) {
    const reason = messageOf(error);
    return found('auth.own-helper-no-token', { ...at, reason });
  }
  const state = await p.tokenState(current.token);
  const { source } = current;
  if (state === 'expired')
    return found('auth.own-helper-expired', {
      ...at,
      source,
      masked: maskToken(current.token),
    });
  return found('auth.own-helper', {
    ...at,
    source,
    unchecked: state === 'unknown',
  });
}
