/** The app.ci context: who it logs in as, how long its token lives, and whether it may pull QCI. */
import type { QciError } from '../../core/errors.js';
import type { AppCiFacts } from '../../session/setup.js';
import { found, type Finding } from '../catalogue.js';

export interface AppCiProbe {
  /** What app.ci said of the context (or why it could not). */
  appci: { facts: AppCiFacts; error: null } | { facts: null; error: QciError };
  now: Date;
}

/** A token that lives less than this long is a warning: the QCI credentials made from it die with it. */
const EXPIRING_DAYS = 3;

export function checkAppCi({ appci, now }: AppCiProbe): Finding[] {
  if (appci.error) {
    const { kind, message, hint } = appci.error;
    return [found('kube.error', { kind, message, ...(hint ? { hint } : {}) })];
  }
  const f = appci.facts;
  return [
    found('kube.identity', {
      context: f.context,
      foundBy: f.contextFoundBy,
      user: f.user,
    }),
    tokenFinding(f, now),
    found(f.qciAccess ? 'kube.access' : 'kube.access-denied', {
      user: f.user,
    }),
  ];
}

function tokenFinding(f: AppCiFacts, now: Date): Finding {
  const { token, expiry } = f;
  if (!f.expiresAt) return found('kube.token-unreadable', { token });
  const days = (Date.parse(f.expiresAt) - now.getTime()) / 86_400_000;
  return found(days < EXPIRING_DAYS ? 'kube.token-expiring' : 'kube.token', {
    token,
    expiry,
  });
}
