/**
 * `qci login --token-file FILE`: a bound ServiceAccount token (from `qci sa token` or `oc create token`)
 * stands in for the app.ci kube context. Its JWT says who it is (`sub`) and when it dies (`exp`), so an
 * expired token is refused before any engine runs. The token itself is never printed.
 */
import { promises as fsp } from 'node:fs';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import { QciError, usageError } from '../core/errors.js';
import { maskToken } from '../core/redact.js';
import { describeExpiry, renewCommand, tokenFacts } from '../core/token.js';
import type { AppCiFacts } from './setup.js';

export interface TokenFileSource {
  facts: AppCiFacts;
  token: string;
  warnings: string[];
}

/** `system:serviceaccount:P:NAME` → the command that makes a new token for it. */
function renewHint(subject: string | null, path: string): string {
  return `get a new one: ${renewCommand('service-account', subject, path)}`;
}

export async function tokenFileFacts(
  path: string,
  now: Date,
): Promise<TokenFileSource> {
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([
      readFileSafe(path, { maxBytes: MAX_BYTES.token, what: '--token-file' }),
      fsp.stat(path).then((s) => s.mode),
    ]);
  } catch (error) {
    if (error instanceof QciError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT')
      throw new QciError(`--token-file ${path}: no such file`, {
        kind: 'not-found',
        hint: renewHint(null, path),
      });
    throw new QciError(`--token-file ${path}: cannot read it (${code})`, {
      kind: 'io',
    });
  }
  const token = text.trim();
  if (token === '')
    throw usageError(`--token-file ${path} is empty`, {
      hint: renewHint(null, path),
    });
  if (/\s/.test(token))
    throw usageError(
      `--token-file ${path} holds more than one line; it should hold just the token`,
    );
  const facts = tokenFacts(token);
  if (facts.kind === 'oauth') {
    throw usageError(
      `--token-file ${path} holds an app.ci user token (sha256~…), not a ServiceAccount token`,
      {
        hint: 'a user token goes in your kube context: qci login --token-page (paste it there; it writes the context), or oc login --token=… --server=…, then qci login',
      },
    );
  }
  if (facts.subject === null) {
    throw usageError(
      `--token-file ${path} does not hold a ServiceAccount token (a JWT with a "sub" claim)`,
      { hint: renewHint(null, path) },
    );
  }
  if (facts.expiresAt !== null && facts.expiresAt.getTime() <= now.getTime()) {
    throw new QciError(
      `the token in ${path} (${facts.subject}) ${describeExpiry(facts.expiresAt, now)} (at ${facts.expiresAt.toISOString()}); qci did not log in`,
      {
        kind: 'token-expired',
        hint: renewHint(facts.subject, path),
      },
    );
  }
  const warnings: string[] = [];
  if ((mode & 0o077) !== 0)
    warnings.push(
      `${path} can be read by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 ${path}`,
    );
  if (facts.expiresAt === null)
    warnings.push(
      `the token in ${path} does not say when it expires (no "exp" claim)`,
    );
  return {
    token,
    warnings,
    facts: {
      context: '',
      contextFoundBy: `--token-file ${path}`,
      contextFile: path,
      server: '',
      user: facts.subject,
      groups: [],
      token: maskToken(token),
      tokenKind: facts.kind,
      expiresAt: facts.expiresAt?.toISOString() ?? null,
      expiry: facts.expiresAt ? describeExpiry(facts.expiresAt, now) : null,
      // The proxy skips its access review for service accounts (ci-tools cmd/qci-appci); the registry decides.
      qciAccess: true,
    },
  };
}
