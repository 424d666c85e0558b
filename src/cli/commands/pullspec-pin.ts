/**
 * qci pullspec --pin: each reference's digest-pinned pull spec, asked of QCI with the credential podman
 * would send (one session for all: one token, the manifests asked together). Loaded only with --pin.
 */
import {
  ExitCode,
  QciError,
  exitCodeOf,
  type ErrorKind,
} from '../../core/errors.js';
import { authSetup } from '../auth-setup.js';
import type { CommandContext } from '../context.js';
import { inspectQciMany } from '../../session/inspect.js';
import { withReferenceHint } from '../reference-notes.js';

interface PinResult {
  input: string;
  pullSpec: string | null;
  pinnedPullSpec: string | null;
  digest: string | null;
  platform: string | null;
  error: { kind: ErrorKind; message: string; hint: string | null } | null;
}

export async function pinAction(
  ctx: CommandContext,
  inputs: string[],
  options: { registry?: string; platform?: string },
): Promise<number> {
  const setup = authSetup(
    ctx,
    await ctx.settings({
      registry: options.registry,
      platform: options.platform,
    }),
  );
  const host = setup.settings.registry;
  const platformGiven = options.platform !== undefined;
  const reports = await inspectQciMany(setup, inputs, {
    platform: options.platform,
    log: (line) => ctx.ui.verbose(line),
  });
  const results = reports.map((r, i): PinResult => {
    const input = inputs[i]!;
    if (r instanceof QciError) {
      const e = withReferenceHint(r, input, host) as QciError;
      return {
        input,
        pullSpec: null,
        pinnedPullSpec: null,
        digest: null,
        platform: null,
        error: { kind: e.kind, message: e.message, hint: e.hint ?? null },
      };
    }
    for (const warning of r.warnings) ctx.ui.warn(`${input}: ${warning}`);
    return {
      input,
      pullSpec: r.pullSpec,
      pinnedPullSpec: platformGiven ? r.platformPullSpec : r.pinnedPullSpec,
      digest: platformGiven ? r.platformDigest : r.digest,
      platform: platformGiven ? r.platform : null,
      error: null,
    };
  });
  if (ctx.json) ctx.ui.json(results);
  for (const r of results) {
    if (r.error)
      ctx.ui.error(`${r.input}: ${r.error.message}`, r.error.hint ?? undefined);
    else if (!ctx.json) ctx.ui.print(r.pinnedPullSpec ?? '');
  }
  const failed = results.find((r) => r.error);
  return failed ? exitCodeOf(failed.error!.kind) : ExitCode.ok;
}
