/** qci doctor's finding kinds about credential helpers and the keys an engine reads for QCI. */
import { LOGIN_HINT } from '../core/appci.js';
import type { EngineName } from '../engine/engine.js';
import {
  kind,
  logout,
  type Helper,
  label,
  own,
  RELOGIN,
  FIX_OR_RELOGIN,
} from './kind.js';

export const helpers = {
  'auth.ambiguous': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: {
      file: string;
      host: string;
      keys: string[];
      engine: EngineName;
    }) =>
      `${a.file} holds ${a.keys.length} URL-form keys for ${a.host} (${a.keys.join(', ')}) that send different things: ${a.engine} picks one at random on each pull`,
    fix: (a) =>
      `${a.keys.map((key) => logout({ key, file: a.file })).join(' && ')} && qci login`,
  }),
  'auth.helper-failed': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: Helper & { reason: string }) => `${label(a)}: ${a.reason}`,
    fix: (a) =>
      `install docker-credential-${a.helper}, or remove credHelpers["${a.host}"] from ${a.file}`,
  }),
  'auth.helper-identity-token': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: Helper) =>
      `${label(a)} answers for ${a.host} with an identity token: ${a.engine} sends it as an OAuth2 refresh-token grant, which QCI does not accept`,
    fix: FIX_OR_RELOGIN,
    autoFix: true,
  }),
  'auth.helper-empty': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: Helper) =>
      `${label(a)} answers for ${a.host} with an empty user name or secret: ${a.engine} sends no credential`,
    fix: RELOGIN,
  }),
  'auth.helper-expired': kind({
    check: 'auth files',
    severity: 'error',
    detail: (a: Helper & { masked: string }) =>
      `${label(a)} answers for ${a.host} with an expired or revoked app.ci token (${a.masked}); ${a.engine} sends it`,
    fix: FIX_OR_RELOGIN,
    autoFix: true,
  }),
  'auth.helper-other-user': kind({
    check: 'auth files',
    severity: 'warn',
    detail: (a: Helper & { masked: string }) =>
      `${label(a)} answers for ${a.host} with another user's valid app.ci token (${a.masked}); ${a.engine} sends it`,
    fix: RELOGIN,
  }),
  'auth.helper': kind({
    check: 'auth files',
    severity: (a: { unchecked: boolean }) => (a.unchecked ? 'info' : 'ok'),
    detail: (a: Helper & { masked: string; unchecked: boolean }) =>
      `${label(a)} answers for ${a.host} with ${a.unchecked ? 'a token qci could not check (app.ci unreachable)' : 'a valid app.ci token'} (${a.masked}); ${a.engine} sends it`,
  }),
  'auth.own-helper-missing': kind({
    check: 'auth files',
    id: 'auth.helper-missing',
    severity: 'error',
    detail: (a: { file: string; host: string }) =>
      `${own(a)}, which is not on PATH: podman fails every pull from QCI`,
    fix: 'npm install -g . in the qci checkout (or put its bin/ on PATH), or: qci logout --helper',
  }),
  'auth.own-helper-no-token': kind({
    check: 'auth files',
    id: 'auth.helper-no-token',
    severity: 'error',
    detail: (a: { file: string; host: string; reason: string }) =>
      `${own(a)}, which has no token to answer with: ${a.reason}`,
    fix: LOGIN_HINT,
  }),
  'auth.own-helper-expired': kind({
    check: 'auth files',
    id: 'auth.helper-expired',
    severity: 'error',
    detail: (a: {
      file: string;
      host: string;
      source: string;
      masked: string;
    }) =>
      `${own(a)}, which answers with the token of ${a.source} (${a.masked}): it has expired or was revoked`,
    fix: LOGIN_HINT,
  }),
  'auth.own-helper': kind({
    check: 'auth files',
    id: 'auth.helper',
    severity: 'ok',
    detail: (a: {
      file: string;
      host: string;
      source: string;
      unchecked: boolean;
    }) =>
      `${own(a)}, which answers with the token of ${a.source}${a.unchecked ? ' (not checked: app.ci unreachable)' : ''}`,
  }),
};
