/** A finding of qci doctor: what a check found, how severe it is, and what fixes it. */
import type { AuthFileFormat } from '../auth/index.js';

export type Severity = 'ok' | 'info' | 'warn' | 'error';

/**
 * What a finding is about, for `--fix`: the auth entry (its file, key and format) or the credential
 * helper that holds the secret. Never part of the report's JSON.
 */
export type Subject =
  | { kind: 'entry'; file: string; format: AuthFileFormat; key: string }
  | { kind: 'helper'; helper: string; file: string; remedy: string };

export interface Finding {
  id: string;
  /** Which check produced it (the checklist groups by this). */
  check: string;
  severity: Severity;
  /** One sentence: what is true, and why it matters. */
  detail: string;
  /** The exact command (or step) that fixes it; null when nothing needs fixing. */
  fix: string | null;
  /** `qci doctor --fix` can apply it safely. */
  autoFix: boolean;
  subject?: Subject;
}
