// The floor with the design's three libraries (bench/network.mjs bundles this file into floor-libs.cjs):
// floor-execa.cjs, with the command line parsed by commander (a program with a `pull` command and its
// options, as qci's) and each auth file checked by a zod/mini schema of the shape qci checks
// (src/auth/file.ts). What commander, zod and execa cost a Node.js program in front of podman before
// any of qci's own work (settings, the reference, the credential the engine would send, what qci knows
// of it) runs.
import { Command } from 'commander';
import * as z from 'zod/mini';

const entry = z.nullable(
  z.looseObject({
    auth: z.optional(z.nullable(z.string())),
    identitytoken: z.optional(z.nullable(z.string())),
  }),
);
const authFile = z.object({
  auths: z.optional(z.nullable(z.record(z.string(), entry))),
  credHelpers: z.optional(
    z.nullable(z.record(z.string(), z.nullable(z.string()))),
  ),
  credsStore: z.optional(z.nullable(z.string())),
});

/** The auth files podman reads, each parsed and checked (an absent one is skipped, as podman does). */
function checkAuthFiles(env, readFileSync) {
  for (const file of [
    `${env.XDG_RUNTIME_DIR}/containers/auth.json`,
    `${env.HOME}/.config/containers/auth.json`,
    `${env.HOME}/.docker/config.json`,
  ]) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const checked = authFile.safeParse(JSON.parse(text));
    if (!checked.success) throw new Error(`${file}: not an auth file`);
  }
}

/** `floor-libs pull [--platform P] [--quiet] SPEC`: podman pull through execa, as floor-execa.cjs. */
export function main({ argv, env, readFileSync, execa }) {
  const program = new Command('floor-libs');
  program
    .command('pull')
    .argument('<spec>')
    .option('--platform <os/arch>', 'the platform to pull', 'linux/amd64')
    .option('-q, --quiet', 'no progress')
    .action(async (spec, options) => {
      checkAuthFiles(env, readFileSync);
      const args = ['pull', '--platform', options.platform];
      if (options.quiet) args.push('--quiet');
      const child = execa('podman', [...args, spec], {
        env,
        extendEnv: false,
        stdin: 'ignore',
        stdout: 'inherit',
        stderr: 'pipe',
        reject: false,
        cleanup: true,
        stripFinalNewline: false,
        timeout: 60 * 60_000,
        signal: new AbortController().signal,
      });
      child.stderr.on('data', (chunk) => process.stderr.write(chunk));
      process.exitCode = (await child).exitCode ?? 1;
    });
  return program.parseAsync(argv);
}
