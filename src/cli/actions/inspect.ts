/**
 * What `qci inspect` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/inspect.ts.
 */
import { formatBytes } from '../../core/bytes.js';
import { ExitCode, usageError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { tildify } from '../../core/paths.js';
// Type-only here: the registry client (node:http(s), node:tls) loads when the command runs.
import type { InspectReport } from '../../session/inspect.js';
import { escapeControl } from '../../core/escape.js';
import { warnPastedReferences, withReferenceHint } from '../reference-notes.js';

interface InspectFlags {
  platform?: string;
  authfile?: string;
  login?: boolean;
  timeout?: string;
  registry?: string;
  engine?: string;
  tlsVerify?: string | boolean;
  pin?: boolean;
}

/**
 * --pin: the index's digest (what promotion pins, ci-tools pkg/steps/release/promote.go), or with an
 * explicit --platform that platform's own manifest.
 */
export const pinOf = (r: InspectReport, platformGiven: boolean): string =>
  platformGiven ? r.platformPullSpec : r.pinnedPullSpec;

function render(ctx: CommandContext, r: InspectReport, home: string): void {
  const c = ctx.ui.out;
  const line = (label: string, text: string) =>
    ctx.ui.print(`${label.padEnd(10)} ${text}`);
  // Everything below but qci's own words came from the registry (whoever built the image) or a file.
  const e = escapeControl;
  line('image', e(r.pullSpec));
  const kind = r.isIndex
    ? r.mediaType.includes('docker')
      ? 'manifest list'
      : 'image index'
    : 'image manifest';
  line('digest', `${r.digest}  ${c.dim(`(${kind})`)}`);
  if (r.isIndex) {
    // Measured once: an index of thousands of platforms is shown in one pass.
    const width = r.platforms.reduce(
      (w, x) => Math.max(w, e(x.platform).length),
      0,
    );
    r.platforms.forEach((p, i) => {
      const chosen = p.digest === r.platformDigest;
      line(
        i === 0 ? 'platforms' : '',
        `${e(p.platform).padEnd(width)}  ${e(p.digest)}${chosen ? `  ${c.dim('(shown below)')}` : ''}`,
      );
    });
  } else {
    line('platform', e(r.platform));
  }
  line('created', e(r.created ?? 'unknown'));
  line(
    'size',
    `${formatBytes(r.size)}  ${c.dim(`(compressed: config and ${r.layers} layer${r.layers === 1 ? '' : 's'}${r.isIndex ? `, ${r.platform}` : ''})`)}`,
  );
  const labels = Object.entries(r.labels).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  if (labels.length === 0) line('labels', 'none');
  for (const [i, [key, value]] of labels.entries()) {
    line(i === 0 ? 'labels' : '', `${e(key)}=${e(String(value))}`);
  }
  const cred = r.credential;
  line(
    'auth',
    cred.source === 'anonymous'
      ? `anonymous (${cred.engine} has no credential for ${r.registry})`
      : e(
          `${cred.user ? `${cred.user} ` : ''}via ${cred.helper ? `docker-credential-${cred.helper} (${cred.key} in ${tildify(cred.file ?? '', home)})` : `${cred.key} in ${tildify(cred.file ?? '', home)}`}, as ${cred.engine} would send it`,
        ),
  );
}

/** --timeout SECONDS as milliseconds (undefined when not given); above 0, at most 600. */
export function timeoutFlag(text: string | undefined): number | undefined {
  const ms = text === undefined ? undefined : Number(text) * 1000;
  if (ms !== undefined && !(ms > 0 && ms <= 600_000))
    throw usageError(
      '--timeout takes a number of seconds above 0, at most 600',
    );
  return ms;
}

export async function inspectAction(
  ctx: CommandContext,
  ref: string,
  options: InspectFlags,
): Promise<number> {
  const timeoutMs = timeoutFlag(options.timeout);
  const [{ authSetup }, { inspectQci }] = await Promise.all([
    import('../auth-setup.js'),
    import('../../session/inspect.js'),
  ]);
  const setup = authSetup(
    ctx,
    await ctx.settings({
      registry: options.registry,
      engine: options.engine,
      tlsVerify: options.tlsVerify,
      platform: options.platform,
    }),
  );
  const host = setup.settings.registry;
  const said = warnPastedReferences(ctx.ui, [ref], host);
  const report = await inspectQci(setup, ref, {
    platform: options.platform,
    authfile: options.authfile,
    timeoutMs,
    log: (line) => ctx.ui.verbose(line),
    login: options.login !== false,
    say: (line) => ctx.ui.info(line),
  }).catch((error: unknown) => {
    throw withReferenceHint(error, ref, host);
  });
  for (const warning of report.warnings)
    if (!said.includes(warning)) ctx.ui.warn(warning);
  if (ctx.json) ctx.ui.json(report);
  else if (options.pin)
    ctx.ui.print(pinOf(report, options.platform !== undefined));
  else render(ctx, report, setup.home);
  return ExitCode.ok;
}
