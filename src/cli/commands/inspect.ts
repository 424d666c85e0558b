import type { Command } from 'commander';
import { formatBytes } from '../../core/bytes.js';
import { ExitCode, usageError } from '../../core/errors.js';
import { examples, type CommandContext, type Wrap } from '../context.js';
import { tildify } from '../../core/paths.js';
// Type-only at start-up: the registry client (node:http(s), node:tls) loads when the command runs.
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
    r.platforms.forEach((p, i) => {
      const chosen = p.digest === r.platformDigest;
      line(
        i === 0 ? 'platforms' : '',
        `${e(p.platform).padEnd(Math.max(...r.platforms.map((x) => e(x.platform).length)))}  ${e(p.digest)}${chosen ? `  ${c.dim('(shown below)')}` : ''}`,
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

export function registerInspect(program: Command, wrap: Wrap): void {
  program
    .command('inspect')
    .summary(
      "show an image's digest, platforms, created time, size and labels without pulling it",
    )
    .description(
      'Read an image from QCI through the registry API, with the credential podman would send (or none, as podman would), ' +
        'without pulling it and without listing tags: the digest (of the index and of each platform), the platforms, when it was ' +
        'built, its compressed size, and its labels, such as io.openshift.build.commit.id and io.openshift.build.source-location. ' +
        'REF is any form qci pullspec takes. Retries 429 and 5xx answers with backoff (honouring Retry-After) and honours ' +
        'HTTPS_PROXY and NO_PROXY. Exit 3: a login is needed; 4: access denied; 5: no such tag or platform; 6: unreachable.',
    )
    .argument('<ref>', 'image reference, e.g. ocp/4.7:my-component')
    .option(
      '--platform <os/arch>',
      'which image of a multi-platform index to describe (env QCI_PLATFORM; default linux/amd64)',
    )
    .option(
      '--pin',
      "print only the digest-pinned pull spec (the index's digest; with --platform, that platform's)",
    )
    .option('--authfile <path>', 'read credentials as podman --authfile does')
    .option(
      '--no-login',
      'do not log in when the registry wants a credential podman lacks',
    )
    .option(
      '--timeout <seconds>',
      'give up on a request after this long (default 30)',
    )
    .option(
      '--registry <host>',
      'QCI pull host (env QCI_REGISTRY; default quay-proxy.ci.openshift.org)',
    )
    .option(
      '--engine <name>',
      'whose auth files to read: podman or docker (env QCI_ENGINE; default podman when installed)',
    )
    .option(
      '--tls-verify [bool]',
      'verify the registry TLS certificate (env QCI_TLS_VERIFY; default true)',
    )
    .addHelpText(
      'after',
      examples([
        [
          'qci inspect ocp/4.7:my-component',
          'digest, platforms, created, size, labels',
        ],
        [
          'qci inspect --platform linux/arm64 ocp/4.18:base-rhel9',
          'the arm64 image of an index',
        ],
        [
          'podman pull $(qci inspect --pin ocp/4.7:cli)',
          'pull exactly the image the tag points at now',
        ],
        [
          'qci inspect --pin --platform linux/arm64 ocp/4.18:base-rhel9',
          "pinned to the arm64 image's own digest",
        ],
        [
          'qci inspect --json ocp/4.7:cli | jq -r \'.labels["io.openshift.build.commit.id"]\'',
          'the commit it was built from',
        ],
      ]),
    )
    .action(wrap(inspectAction));
}
