import type { Command } from 'commander';
import { ExitCode, usageError } from '../../core/errors.js';
import {
  ReferenceError,
  directSpecFor,
  formatImageStreamTag,
  parseReference,
  pullSpecFor,
  quayStreamFor,
  type ImageRef,
} from '../../core/reference.js';
import { examples, type CommandContext, type Wrap } from '../context.js';
import { referenceHint, sayReferenceWarnings } from '../reference-notes.js';
import { REGISTRY_OPTION } from '../setting-flags.js';

interface PullspecResult {
  input: string;
  kind: ImageRef['kind'] | null;
  namespace: string | null;
  name: string | null;
  tag: string | null;
  qciTag: string | null;
  digest: string | null;
  pullSpec: string | null;
  directSpec: string | null;
  candidates: { namespace: string; name: string; tag: string }[];
  /** The app.ci "-quay" image stream tag served from the same QCI tag (NS/STREAM-quay:TAG). */
  quayStream: string | null;
  warnings: string[];
  error: { part: string; message: string; hint: string | null } | null;
}

function quayStreamOrNull(ref: ImageRef): string | null {
  const ist = quayStreamFor(ref);
  return ist ? formatImageStreamTag(ist) : null;
}

export function resolvePullspecs(
  inputs: string[],
  pullHost: string,
): PullspecResult[] {
  return inputs.map((input) => {
    try {
      const ref = parseReference(input, { pullHost });
      return {
        input,
        kind: ref.kind,
        namespace: ref.imageStreamTag?.namespace ?? null,
        name: ref.imageStreamTag?.name ?? null,
        tag: ref.imageStreamTag?.tag ?? null,
        qciTag: ref.qciTag,
        digest: ref.digest,
        pullSpec: pullSpecFor(ref, pullHost),
        directSpec: directSpecFor(ref),
        candidates: ref.candidates,
        quayStream: quayStreamOrNull(ref),
        warnings: ref.warnings,
        error: null,
      };
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      return {
        input,
        kind: null,
        namespace: null,
        name: null,
        tag: null,
        qciTag: null,
        digest: null,
        pullSpec: null,
        directSpec: null,
        candidates: [],
        quayStream: null,
        warnings: [],
        error: {
          part: error.part,
          message: error.message,
          hint: error.hint ?? null,
        },
      };
    }
  });
}

/** A list of references is small: past this, standard input is something else (a file, /dev/zero). */
const MAX_STDIN = 16 * 1024 * 1024;

async function readStdinLines(stdin: NodeJS.ReadableStream): Promise<string[]> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.length > MAX_STDIN)
      throw usageError(
        `standard input is over ${MAX_STDIN / 1024 / 1024} MiB; qci pullspec - reads references, one a line`,
      );
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

interface PullspecFlags {
  direct?: boolean;
  registry?: string;
  pin?: boolean;
  platform?: string;
}

export async function pullspecAction(
  ctx: CommandContext,
  refs: string[],
  options: PullspecFlags,
): Promise<number> {
  const inputs: string[] = [];
  for (const ref of refs) {
    if (ref === '-') inputs.push(...(await readStdinLines(ctx.io.stdin)));
    else inputs.push(ref);
  }
  if (inputs.length === 0)
    throw usageError('no references on standard input (qci pullspec -)', {
      hint: 'one reference a line, such as ocp/4.7:my-component; # starts a comment',
    });
  if (options.platform !== undefined && !options.pin)
    throw usageError(
      '--platform goes with --pin (a pull spec by tag is the same for every platform)',
    );
  if (options.pin) {
    if (options.direct)
      throw usageError('--pin and --direct do not go together');
    // The registry client loads only here: plain pullspec stays offline and quick.
    const { pinAction } = await import('./pullspec-pin.js');
    return pinAction(ctx, inputs, options);
  }
  const { settings } = await ctx.settings({ registry: options.registry });
  const results = resolvePullspecs(inputs, settings.registry);

  if (ctx.json) ctx.ui.json(results);
  for (const result of results) {
    if (result.error) {
      ctx.ui.error(
        result.error.message,
        referenceHint(result.input, settings.registry, result.error.hint),
      );
      continue;
    }
    sayReferenceWarnings(ctx.ui, result.input, result.warnings);
    if (!ctx.json)
      ctx.ui.print(
        (options.direct ? result.directSpec : result.pullSpec) ?? '',
      );
  }
  return results.some((r) => r.error) ? ExitCode.usage : ExitCode.ok;
}

export function registerPullspec(program: Command, wrap: Wrap): void {
  program
    .command('pullspec')
    .summary('print the QCI pull spec of image references')
    .description(
      'Print the QCI pull spec for each image reference, one a line, in input order.\n\n' +
        'REF is an image stream tag (NS/NAME:TAG), a registry.ci.openshift.org or\n' +
        'registry.svc.ci.openshift.org reference, or a QCI reference (quay.io/openshift/ci:NS_NAME_TAG)\n' +
        'to map back. "-" reads references from standard input, one a line.',
    )
    .argument('<ref...>', 'image references (or - for standard input)')
    .option(
      '--direct',
      'print the authoritative quay.io/openshift/ci form instead of the pull-through proxy',
    )
    .option(...REGISTRY_OPTION)
    .option(
      '--pin',
      "ask QCI for the digest each tag points at now and print HOST/openshift/ci@sha256:… (the index's digest)",
    )
    .option(
      '--platform <os/arch>',
      "with --pin: pin to that platform's own manifest instead of the index",
    )
    .addHelpText(
      'after',
      examples([
        [
          'qci pullspec ocp/4.7:my-component',
          'quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component',
        ],
        [
          'podman pull $(qci pullspec ocp/4.7:my-component)',
          'pull it (after qci login)',
        ],
        [
          'qci pullspec registry.svc.ci.openshift.org/ci/ci-operator:latest',
          'map an old reference',
        ],
        [
          'qci pullspec --pin ocp/4.7:cli',
          'quay-proxy.ci.openshift.org/openshift/ci@sha256:…, for scripts',
        ],
        [
          'qci pullspec --json quay.io/openshift/ci:ocp_4.7_cli',
          'map back to NS/NAME:TAG, as JSON',
        ],
      ]),
    )
    .action(wrap(pullspecAction));
}
