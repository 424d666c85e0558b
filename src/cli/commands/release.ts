import { Option, type Command } from 'commander';
import { formatBytes } from '../../core/bytes.js';
import { usageError } from '../../core/errors.js';
import { escapeControl } from '../../core/escape.js';
import { ARCHITECTURES, type Architecture } from '../../core/release.js';
// Type-only at start-up: the session (registry client, engine) loads when the command runs.
import type {
  ReleaseRunReport,
  ReleaseRunRequest,
} from '../../session/release-run.js';
import { examples, type CommandContext, type Wrap } from '../context.js';
import { timeoutFlag } from './inspect.js';
import {
  addSettingOptions,
  settingFlags,
  type SettingFlags,
} from '../setting-flags.js';

interface ReleaseFlags extends SettingFlags {
  arch?: Architecture;
  components?: boolean;
  component?: string;
  pull?: boolean;
  quiet?: boolean;
  login?: boolean;
  authfile?: string;
  timeout?: string;
  platform?: string;
  releaseController?: string;
}

const LOCATION = {
  qci: 'in QCI',
  'app.ci': "in app.ci's registry (not in QCI)",
  other: 'outside QCI',
} as const;

function render(ctx: CommandContext, r: ReleaseRunReport): void {
  const e = escapeControl;
  if (r.pulled) return; // stdout is the engine's (the image ID), as for qci pull
  if (r.component) ctx.ui.print(e(r.component.pullSpec));
  else if (r.components) {
    const width = Math.max(...r.components.map((c) => c.name.length), 0);
    for (const c of r.components)
      ctx.ui.print(`${e(c.name).padEnd(width)}  ${e(c.pullSpec)}`);
  } else ctx.ui.print(e(r.pullSpec));
}

/** A progress line on a terminal while the payload's top layer is read; nothing otherwise. */
function progressLine(ctx: CommandContext) {
  if (ctx.io.stderr.isTTY !== true) return { progress: undefined, done() {} };
  let shown = 0;
  return {
    progress(read: number, size: number) {
      if (read - shown < 256 * 1024 && read < size) return;
      shown = read;
      ctx.io.stderr.write(
        `\rreading the payload's top layer: ${formatBytes(read)}${size ? ` of ${formatBytes(size)}` : ''}\x1b[K`,
      );
    },
    done() {
      if (shown) ctx.io.stderr.write('\r\x1b[K');
    },
  };
}

/** What the flags ask of the session; messages go to stderr as they happen. */
function runRequest(
  ctx: CommandContext,
  input: string,
  options: ReleaseFlags,
  progress: ((read: number, size: number) => void) | undefined,
): ReleaseRunRequest {
  const say = (text: string) => ctx.ui.info(text);
  return {
    input,
    arch: options.arch,
    authfile: options.authfile,
    login: options.login !== false,
    timeoutMs: timeoutFlag(options.timeout),
    log: (text) => ctx.ui.verbose(text),
    say,
    components: options.components === true,
    component: options.component,
    progress,
    onResolved: (r) => {
      for (const warning of r.warnings) ctx.ui.warn(warning);
      ctx.ui.info(
        `${escapeControl(r.name)} (${r.phase ?? 'no longer listed by the release controller'}) ${LOCATION[r.location]}`,
      );
    },
    pull: options.pull
      ? {
          quiet: options.quiet === true,
          login: options.login !== false,
          authfile: options.authfile,
          terminal: ctx.io.stderr.isTTY === true,
          json: ctx.json,
          say,
          warn: (text) => ctx.ui.warn(text),
        }
      : undefined,
  };
}

export async function releaseAction(
  ctx: CommandContext,
  input: string,
  options: ReleaseFlags,
): Promise<number> {
  timeoutFlag(options.timeout); // a bad value fails before anything is asked
  if (options.components && options.component !== undefined)
    throw usageError(
      '--components lists them all; --component NAME names one',
      {
        hint: 'give one of the two',
      },
    );
  if (options.pull && options.components)
    throw usageError(
      '--pull pulls the payload or one --component, not all of them',
    );
  const [{ authSetup }, { runRelease }] = await Promise.all([
    import('../auth-setup.js'),
    import('../../session/release-run.js'),
  ]);
  const setup = authSetup(
    ctx,
    await ctx.settings({
      ...settingFlags(options),
      platform: options.platform,
      releaseController: options.releaseController,
    }),
  );
  const line = progressLine(ctx);
  const report = await runRelease(
    setup,
    runRequest(ctx, input, options, line.progress),
  ).finally(() => line.done());
  if (report.pulled && !report.pulled.ok)
    ctx.ui.error(
      report.pulled.message ?? 'the pull failed',
      report.pulled.hint ?? undefined,
    );
  const { exitCode, ...data } = report;
  if (ctx.json) ctx.ui.json(data);
  else render(ctx, report);
  return exitCode;
}

export function registerRelease(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('release')
      .summary(
        "a CI release payload's pull spec, its components, or a pull of either",
      )
      .description(
        'Find a release payload through the release controller (each architecture has its own, ' +
          'https://ARCH.ocp.releases.ci.openshift.org) and print the pull spec where it really is: ' +
          'QCI (quay-proxy.ci.openshift.org/openshift/ci:rc_payload__NAME) when QCI has it, asked with the ' +
          'credential podman would send, else the pull spec the controller gives (registry.ci.openshift.org/ocp/release:NAME ' +
          'for nightlies). STREAM_OR_NAME: 4.18 (the 4.18.0-0.ci stream), a stream (4.18.0-0.nightly, 4-stable), or a ' +
          'release name (4.18.0-0.ci-2026-11-20-101010); a stream means its latest accepted release. ' +
          "--components reads the payload's release-manifests/image-references from its top layer, as oc adm release info " +
          '--pullspecs does, without pulling it. Exit 5: no such stream, nothing accepted yet, or the release was pruned; ' +
          '6: the release controller or registry cannot be reached.',
      )
      .argument(
        '<stream-or-name>',
        '4.18, 4.18.0-0.nightly, or 4.18.0-0.ci-2026-11-20-101010',
      )
      .addOption(
        new Option(
          '--arch <arch>',
          "which architecture's release controller (default amd64, or the one the name carries)",
        ).choices(ARCHITECTURES),
      )
      .option(
        '--components',
        'list the component images: NAME and digest-pinned pull spec',
      )
      .option(
        '--component <name>',
        "print one component's pull spec (for qci pull, qci inspect)",
      )
      .option(
        '--pull',
        'pull the payload, or the --component, with the engine (logging in first)',
      )
      .option(
        '-q, --quiet',
        "with --pull: no progress output (the engine's -q)",
      )
      .option(
        '--no-login',
        'never log in; ask and pull with what the engine has',
      )
      .option(
        '--authfile <path>',
        'read and write credentials as podman --authfile does',
      )
      .option(
        '--platform <os/arch>',
        'the image of a multi payload to read or pull (default linux/amd64)',
      )
      .option(
        '--timeout <seconds>',
        'give up on a request after this long (default 30)',
      )
      .option(
        '--release-controller <url>',
        'the release controller API for every architecture (env QCI_RELEASE_CONTROLLER)',
      ),
  )
    .addHelpText(
      'after',
      examples([
        ['qci release 4.18', "the latest accepted 4.18 CI payload's pull spec"],
        [
          'qci release 4.18.0-0.nightly --json',
          'name, phase, pull spec, digest, where it is',
        ],
        ['qci release 4.18 --arch arm64', 'from the arm64 release controller'],
        [
          'qci release 4.18 --components',
          'every component image, digest-pinned',
        ],
        [
          'qci release 4.18 --component cli --pull',
          "pull the payload's oc image",
        ],
        [
          'qci exec -- oc adm release info "$(qci release 4.18)"',
          'oc with a QCI login',
        ],
      ]),
    )
    .action(wrap(releaseAction));
}
