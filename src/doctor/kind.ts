/**
 * The pieces qci doctor's catalogue of finding kinds is written with: a kind's shape, and the words
 * several kinds share (where an entry is, who sends it, how to log out of it).
 */
import { HELPER_BINARY } from '../auth/credential-helper.js';
import type { EngineName } from '../engine/engine.js';
import type { Severity } from './finding.js';

export interface Kind<A> {
  check: string | ((a: A) => string);
  /** The id in the report, when it is not the kind's name (variants of one id, ids made of facts). */
  id?: string | ((a: A) => string);
  severity: Severity | ((a: A) => Severity);
  detail: (a: A) => string;
  fix?: string | ((a: A) => string | null);
  autoFix?: boolean;
}

export const kind = <A>(k: Kind<A>): Kind<A> => k;

/** An auth entry: its key, its file (as shown), and the engines that send it. */
export interface At {
  key: string;
  file: string;
  usedBy: readonly EngineName[];
  /** The engines that stop at this entry and fail before sending anything (podman on bad base64). */
  failsOn?: readonly EngineName[];
  /** The engines that look at it and go on to the next (an entry without user:password). */
  passedBy?: readonly EngineName[];
}

export const where = (a: { key: string; file: string }) =>
  `${a.key} in ${a.file}`;
const plural = (engines: readonly EngineName[], verb: string) =>
  `${engines.join(' and ')} ${verb}${engines.length === 1 ? (verb.endsWith('s') ? 'es' : 's') : ''}`;
export const role = ({ usedBy, failsOn = [], passedBy = [] }: At) =>
  usedBy.length > 0
    ? `${plural(usedBy, 'send')} it`
    : failsOn.length > 0
      ? `${plural(failsOn, 'fail')} on it before sending anything`
      : passedBy.length > 0
        ? `${plural(passedBy, 'pass')} over it to the next entry`
        : 'nothing sends it now (another entry comes first)';
/** A dead entry breaks pulls when an engine sends it (or fails on it); one behind another only waits. */
export const sentIsError = ({ usedBy, failsOn = [] }: At): Severity =>
  usedBy.length || failsOn.length ? 'error' : 'warn';
export const logout = (a: { key: string; file: string }) =>
  `podman logout --authfile ${a.file} ${a.key}`;

/** A credential helper an engine asks for QCI: `credHelpers docker-credential-NAME in FILE`. */
export interface Helper {
  how: 'credHelpers' | 'credsStore';
  helper: string;
  file: string;
  host: string;
  engine: EngineName;
}
export const label = (a: Helper) =>
  `${a.how} docker-credential-${a.helper} in ${a.file}`;
/** docker-credential-qci, registered by `qci login --helper` in FILE. */
export const own = (a: { file: string; host: string }) =>
  `${a.file} sends ${a.host} to ${HELPER_BINARY}`;
export const RELOGIN = 'qci logout && qci login';
/** The credential an engine sends to the registry, and where it is kept. */
export interface Sends {
  host: string;
  where: string;
  engine: EngineName;
}
export const FIX_OR_RELOGIN = `qci doctor --fix (or: ${RELOGIN})`;
export const RETRY = (a: { host: string }) =>
  `try again later; if it persists, the registry ${a.host} is not answering as QCI does`;
