/**
 * What `qci version` does once it runs, and how its results are shown; loaded only then (bin/build.mjs
 * leaves it out of the start-up bundle). The flags and help: src/cli/commands/version.ts.
 */
import { ExitCode } from '../../core/errors.js';
import type { CommandContext } from '../context.js';

declare const QCI_VERSION: string;

export interface VersionReport {
  qci: string;
  node: string;
  /** null: not installed (or it did not say its version). */
  podman: string | null;
  docker: string | null;
}

async function engineVersion(
  ctx: CommandContext,
  engine: 'podman' | 'docker',
): Promise<string | null> {
  const [{ onPath, parseEngineVersion }, { processRunner }] = await Promise.all(
    [import('../../engine/engine.js'), import('../../engine/run.js')],
  );
  if (!onPath(engine, ctx.io.env)) return null;
  const result = await processRunner((line) => ctx.ui.verbose(line))({
    command: engine,
    args: ['--version'],
    env: ctx.io.env,
    timeoutMs: 10_000,
  }).catch(() => null);
  return result?.exitCode === 0 ? parseEngineVersion(result.stdout) : null;
}

export async function versionAction(ctx: CommandContext): Promise<number> {
  const [podman, docker] = await Promise.all([
    engineVersion(ctx, 'podman'),
    engineVersion(ctx, 'docker'),
  ]);
  const report: VersionReport = {
    qci: QCI_VERSION,
    node: process.versions.node,
    podman,
    docker,
  };
  if (ctx.json) {
    ctx.ui.json(report);
    return ExitCode.ok;
  }
  ctx.ui.print(`qci     ${report.qci}`);
  ctx.ui.print(`node    ${report.node}`);
  ctx.ui.print(`podman  ${podman ?? 'not installed'}`);
  ctx.ui.print(`docker  ${docker ?? 'not installed'}`);
  return ExitCode.ok;
}
