/**
 * What qci says about a pasted reference before it uses one, the same for pullspec, pull and inspect:
 * the warnings parseReference gives (app.ci's registry, the decommissioned one, upper case), and
 * "did you mean" for a slash where the tag's colon goes.
 */
import {
  parseReference,
  referenceMeant,
  ReferenceError,
} from '../core/reference.js';
import { QciError } from '../core/errors.js';
import type { Ui } from './ui.js';

export function sayReferenceWarnings(
  ui: Ui,
  input: string,
  warnings: readonly string[],
): void {
  for (const warning of warnings) ui.warn(`${input}: ${warning}`);
}

/**
 * Warns about each input as qci pullspec does and returns the warnings said; an input that does not
 * parse gets nothing here (the command reports it, with referenceHint).
 */
export function warnPastedReferences(
  ui: Ui,
  inputs: readonly string[],
  pullHost: string,
): string[] {
  return inputs.flatMap((input) => {
    try {
      const { warnings } = parseReference(input, { pullHost });
      sayReferenceWarnings(ui, input, warnings);
      return warnings;
    } catch (error) {
      if (error instanceof ReferenceError) return [];
      throw error;
    }
  });
}

/** The hint for a reference that does not parse: "did you mean …?" when one is meant, else `hint`. */
export function referenceHint(
  input: string,
  pullHost: string,
  hint?: string | null,
): string | undefined {
  const meant = referenceMeant(input, { pullHost });
  return meant !== null ? `did you mean ${meant}?` : (hint ?? undefined);
}

/** `error` with referenceHint's hint, when it is about the reference `input`. */
export function withReferenceHint(
  error: unknown,
  input: string,
  pullHost: string,
): unknown {
  if (!(error instanceof ReferenceError) || error.input !== input) return error;
  const hint = referenceHint(input, pullHost, error.hint);
  return hint === error.hint
    ? error
    : new QciError(error.message, {
        kind: error.kind,
        ...(hint ? { hint } : {}),
      });
}
