/**
 * `npm run demo`: the story qci exists for, told by real commands on the end-to-end test bed (a fake app.ci
 * over HTTPS, a quay-proxy stand-in in front of a real docker-registry, real podman), so that people
 * without app.ci access can watch it work. bin/build.mjs bundles this file into test/demo/dist/demo.mjs;
 * it is not part of the package and qci never loads it.
 *
 * Everything lives in one temp dir: HOME, XDG dirs, ~/.kube/config, the auth files and podman's image
 * store. Commands get a complete environment built from nothing (no DOCKER_CONFIG, REGISTRY_AUTH_FILE,
 * KUBECONFIG of the user's). The dir and every process are removed on success, failure and signals.
 * Each step checks what the story says it shows; the demo fails loudly when one does not.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  aptInstallLine,
  killTracked,
  startTestBed,
  which,
  type TestBed,
} from '../e2e/testbed/index.js';
import { removeDir } from '../e2e/testbed/proc.js';
import { scriptArgs } from '../helpers/pty.js';

/** What startTestBed runs (skopeo, which the tests also use, is not needed here). */
const DEMO_TOOLS = ['podman', 'docker-registry', 'openssl', 'tar'];

/** Exit codes: 7 as qci's own "a tool is missing"; 128+N for signal N. */
const EXIT = { ok: 0, failed: 1, missing: 7 } as const;
const SIGNAL_CODES: Record<string, number> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};
/** Not a handled signal: stdout's reader went away (EPIPE). */
const SIGPIPE_CODE = 141;

const colour =
  process.stdout.isTTY === true &&
  process.env.NO_COLOR === undefined &&
  process.env.TERM !== 'dumb';
const paint = (code: string) => (s: string) =>
  colour ? `\x1b[${code}m${s}\x1b[0m` : s;
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');

/** Everything shown, for the final check that no token ever appeared. */
let transcript = '';
/** --readme: the test bed's addresses and temp dirs written as the real ones (see usage). */
let rename: ((text: string) => string) | undefined;
function say(text = ''): void {
  transcript += `${text}\n`;
  process.stdout.write(rename ? rename(`${text}\n`) : `${text}\n`);
}

const USAGE = `usage: npm run demo [-- --readme]

Plays qci's story on a private test bed (fake app.ci, a quay-proxy stand-in
in front of docker-registry, real podman), all on 127.0.0.1 under one temp
dir that is removed at the end. Needs root, podman and docker-registry.

  --readme   show the test bed's addresses and temp dirs as the real ones
             (quay-proxy.ci.openshift.org, app.ci's API URL, ~,
             /run/user/1000), as README.md's captured outputs are written;
             the checks still run on the real output

example:
  sudo npm run demo
`;

class StepFailed extends Error {}
class Interrupted extends Error {}

/** The checkout holding this script: the nearest parent with bin/qci. */
function findCheckout(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'qci'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** What is missing to run the demo, each with how to get it; [] when nothing is. */
function missingRequirements(checkout: string | undefined): string[] {
  const problems: string[] = [];
  const tools = DEMO_TOOLS.filter((tool) => which(tool) === undefined);
  if (tools.length > 0)
    problems.push(
      `${tools.join(', ')}: not found on PATH; on Debian 12 or Ubuntu, as root:\n` +
        `    ${aptInstallLine(tools)}`,
    );
  if (process.getuid?.() !== 0)
    problems.push(
      'not running as root: the demo runs rootful podman with a private ' +
        'image store (as the end-to-end tests do); run it as root, e.g. ' +
        '`sudo npm run demo`',
    );
  if (checkout === undefined)
    problems.push('bin/qci not found: run the demo from a qci checkout');
  else if (!existsSync(join(checkout, 'bin', 'dist', 'qci.cjs')))
    problems.push('qci is not built: run `npm install` (or `npm run build`)');
  return problems;
}

interface Demo {
  bed: TestBed;
  /** The environment every command gets (complete: nothing inherited). */
  env: Record<string, string>;
  host: string;
}

/**
 * What a command did: its exit, and stdout and stderr as one text, in the order they were written.
 * `output` is the text a terminal leaves on the screen (see onScreen); `flat` is the same with every
 * run of white space one space, so that a check still finds a sentence qci wrapped to the terminal's
 * width.
 */
interface Shown {
  exitCode: number;
  signal: NodeJS.Signals | null;
  output: string;
  flat: string;
}

/**
 * On a terminal, each command gets one too, as when the user types it: a pseudo-terminal (util-linux
 * `script`) of the demo's terminal's size, whose output is passed on as it comes. So podman draws its
 * progress bars (it draws them only on a terminal), and `qci pull` hands podman its terminal as it does
 * for the user. Off a terminal, one pipe for both streams.
 */
function commandFor(
  demo: Demo,
  argv: string[],
): {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** What the command wrote, as the demo writes it on: a pseudo-terminal's line ends become `\n` again. */
  relay: (text: string) => string;
} {
  const { columns, rows } = process.stdout;
  if (process.stdout.isTTY === true && which('script') !== undefined)
    return {
      command: 'script',
      args: scriptArgs(argv, columns || 80, rows || 24),
      // qci wraps to COLUMNS when set (the test bed sets 1000), else to its terminal's width;
      // undefined unsets it (the bed's runner merges this into its environment).
      env: {
        ...demo.env,
        COLUMNS: undefined,
        TERM: process.env.TERM ?? 'xterm',
      },
      relay: (text) => text.replace(/\r\n/g, '\n'),
    };
  const merged = ['-c', 'exec "$@" 2>&1', 'sh', ...argv];
  return { command: 'sh', args: merged, env: demo.env, relay: (text) => text };
}

/** CSI sequences: colours, and the cursor moves podman redraws its progress bars with. */
const CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]/g;

/**
 * The text a terminal leaves of `raw`: no colours or cursor moves, and of a line redrawn after `\r`
 * (qci doctor's progress line) its last drawing.
 */
function onScreen(raw: string): string {
  return raw
    .replace(CONTROL, '')
    .split(/\r?\n/)
    .map((line) => line.slice(line.lastIndexOf('\r') + 1))
    .join('\n');
}

/** Runs one command as the user would type it, showing its output live. */
async function show(demo: Demo, argv: string[]): Promise<Shown> {
  say(`${dim('$')} ${bold(argv.join(' '))}`);
  let partial = ''; // --readme renames whole lines, so a name is never cut
  const { command, args, env, relay } = commandFor(demo, argv);
  const result = await demo.bed.podman.run(command, args, {
    env,
    timeoutMs: 180_000,
    onOutput: (chunk) => {
      const text = relay(chunk);
      transcript += text;
      if (rename === undefined) return void process.stdout.write(text);
      partial += text;
      const end = partial.lastIndexOf('\n') + 1;
      process.stdout.write(rename(partial.slice(0, end)));
      partial = partial.slice(end);
    },
  });
  if (rename !== undefined && partial !== '')
    process.stdout.write(rename(partial));
  if (interrupted !== undefined) throw new Interrupted();
  const { exitCode, signal, stdout } = result;
  const output = onScreen(stdout);
  return { exitCode, signal, output, flat: output.replace(/\s+/g, ' ') };
}

/** Prints what was checked; throws when any expectation failed. */
function check(result: Shown, expectations: Array<[boolean, string]>): void {
  const failed = expectations.filter(([ok]) => !ok);
  if (failed.length === 0) {
    say(green(`✓ ${expectations.map(([, what]) => what).join(' · ')}`));
    return;
  }
  for (const [, what] of failed) say(red(`✗ expected: ${what}`));
  const how =
    result.signal !== null
      ? `killed by ${result.signal}`
      : `exit ${result.exitCode}`;
  throw new StepFailed(`the command ended with ${how}`);
}

let stepCount = 0;
function heading(title: string): void {
  say();
  say(bold(`── ${++stepCount}. ${title}`));
}

function narrate(lines: string[]): void {
  for (const line of lines) say(dim(`# ${line}`));
}

async function story(demo: Demo): Promise<void> {
  const { bed, host } = demo;
  const ref = bed.ref();
  const imageId = /^[0-9a-f]{64}$/m;

  heading(
    'A machine never logged in to QCI: qci logs in by itself, then pulls',
  );
  const pull = await show(demo, ['qci', 'pull', 'ocp/4.7:my-component']);
  check(pull, [
    [pull.exitCode === 0, 'exit 0'],
    [
      pull.flat.includes(`podman has no credential for ${host}; logging in`),
      'it saw podman had no credential and logged in',
    ],
    [imageId.test(pull.output), 'the image ID'],
  ]);

  heading('Who am I, and what will podman send?');
  const whoami = await show(demo, ['qci', 'whoami']);
  check(whoami, [
    [whoami.exitCode === 0, 'exit 0'],
    [whoami.flat.includes(`✓ ${bed.user}`), `app.ci user ${bed.user}`],
    [whoami.flat.includes('access allowed'), 'QCI access allowed'],
  ]);

  heading("The docs' pitfall: an expired token left in ~/.docker/config.json");
  // A reboot empties XDG_RUNTIME_DIR, podman's own auth file with it; the old docker entry stays.
  await rm(bed.podman.authFiles.xdgRuntime, { force: true });
  const stale = bed.appci.createToken(bed.user, {
    createdAt: new Date(Date.now() - 40 * 86_400_000),
  });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const dockerFile = bed.podman.authFiles.docker;
  await mkdir(dirname(dockerFile), { recursive: true });
  await writeFile(
    dockerFile,
    `${JSON.stringify({
      auths: {
        [host]: { auth: b64(`${bed.user}:${stale}`) },
        'quay.io': { auth: b64('alice:a-quay-io-password') },
      },
      psFormat: 'table {{.ID}}',
    })}\n`,
    { mode: 0o600 },
  );
  narrate([
    "Weeks later. A reboot emptied $XDG_RUNTIME_DIR and podman's auth file in",
    'it; ~/.docker/config.json still holds the QCI credential of an',
    '`oc registry login` 40 days ago, whose app.ci token has expired (app.ci',
    'tokens last 28 days); `oc login` has since put a fresh one in the',
    'kubeconfig. ~/.docker/config.json now reads (secrets elided):',
    `{"auths":{"${host}":{"auth":"…"},"quay.io":{"auth":"…"}},` +
      '"psFormat":"table {{.ID}}"}',
  ]);
  const logout = await show(demo, ['podman', 'logout', host]);
  check(logout, [
    [logout.exitCode === 125, 'podman logout fails (exit 125)'],
    [logout.flat.includes('not logged into'), '"not logged into"'],
  ]);
  const broken = await show(demo, ['podman', 'pull', ref]);
  check(broken, [
    [broken.exitCode === 125, 'podman pull fails (exit 125)'],
    [/unauthorized/i.test(broken.output), '"unauthorized"'],
  ]);

  heading('qci doctor names the cause');
  const doctor = await show(demo, ['qci', 'doctor']);
  check(doctor, [
    [doctor.exitCode === 1, 'exit 1 (something needs a fix)'],
    [
      doctor.flat.includes(
        `${host} in ~/.docker/config.json holds an expired or revoked app.ci token`,
      ),
      'the file and the expired token',
    ],
    [
      doctor.flat.includes('`podman logout` does not remove it'),
      'why podman logout did not help',
    ],
  ]);

  heading('qci doctor --fix repairs it');
  const fix = await show(demo, ['qci', 'doctor', '--fix']);
  const kept = JSON.parse(await readFile(dockerFile, 'utf8')) as {
    auths?: Record<string, unknown>;
    psFormat?: string;
  };
  check(fix, [
    [fix.exitCode === 0, 'exit 0'],
    [
      fix.flat.includes(`removed ${host} from ~/.docker/config.json`),
      'the stale entry removed',
    ],
    [/^healthy$/m.test(fix.output), 'healthy after the fixes'],
    [
      fix.flat.split('expired or revoked').length === 2 &&
        fix.flat.includes('nothing remains'),
      'the report once, then only what remains',
    ],
    [
      kept.auths?.[host] === undefined &&
        kept.auths?.['quay.io'] !== undefined &&
        kept.psFormat === 'table {{.ID}}',
      "~/.docker/config.json's other entries kept",
    ],
  ]);

  heading('The plain podman pull works again');
  const works = await show(demo, ['podman', 'pull', ref]);
  check(works, [
    [works.exitCode === 0, 'exit 0'],
    [imageId.test(works.output), 'the image ID'],
  ]);

  say();
  const leaked = [bed.token, stale].some((t) => transcript.includes(t));
  if (leaked) {
    say(red('✗ an app.ci token appeared in the output above'));
    throw new StepFailed('a token was shown');
  }
  say(green('✓ no app.ci token appeared in any output'));
}

/** Writes the private home: kubeconfig, qci's config and `qci` on PATH. */
async function prepare(bed: TestBed, checkout: string): Promise<Demo> {
  const home = bed.podman.home;
  const kubeconfig = join(home, '.kube', 'config');
  await mkdir(dirname(kubeconfig), { recursive: true });
  await bed.appci.kubeconfig({ token: bed.token, path: kubeconfig });
  const config = join(bed.podman.xdgConfigHome, 'qci', 'config.yaml');
  await mkdir(dirname(config), { recursive: true });
  await writeFile(config, `registry: ${bed.proxy.host}\ntls-verify: false\n`);
  const bin = join(bed.dir, 'bin');
  await mkdir(bin);
  for (const name of ['qci', 'docker-credential-qci'])
    await symlink(join(checkout, 'bin', name), join(bin, name));
  return {
    bed,
    host: bed.proxy.host,
    env: {
      ...bed.podman.env,
      PATH: `${bin}:${bed.podman.env.PATH}`,
      KUBECONFIG: kubeconfig,
    },
  };
}

function introduce(demo: Demo, root: string, ms: number): void {
  const { bed } = demo;
  say(`test bed ready in ${(ms / 1000).toFixed(1)} s, all on 127.0.0.1:`);
  say(
    `  ${bed.proxy.host}   quay-proxy stand-in (real docker-registry behind it at ${bed.registry.host})`,
  );
  say(
    `  ${bed.appci.url}   fake app.ci; ~/.kube/config logs you in as ${bed.user}`,
  );
  say(
    `  ~/.config/qci/config.yaml   registry: ${bed.proxy.host}, tls-verify: false (the stand-in speaks plain HTTP)`,
  );
  say(`  HOME=${bed.podman.home}`);
  say(
    `  (under ${root}: home, auth files, kubeconfig, podman's image store; all removed at the end)`,
  );
}

// ---- running, stopping, cleaning up --------------------------------------------------------------------

let interrupted: NodeJS.Signals | undefined;
let root: string | undefined;
let bedStarting: Promise<TestBed> | undefined;
let finishing: Promise<void> | undefined;

/** Stops every process the demo started and removes its dir; then exits with code. Runs once. */
function finish(code: number): Promise<void> {
  finishing ??= (async () => {
    let exitCode = code;
    killTracked();
    try {
      const bed = await Promise.race([
        bedStarting?.catch(() => undefined),
        sleep(15_000, undefined, { ref: false }),
      ]);
      await bed?.stop();
      if (root !== undefined) await removeDir(root);
      if (root !== undefined && existsSync(root))
        throw new Error(`${root} is still there`);
      if (root !== undefined)
        say(dim(`stopped the test bed and removed ${root}`));
    } catch (err) {
      process.stderr.write(
        `qci demo: cleaning up failed: ${(err as Error).message}\n`,
      );
      if (exitCode === 0) exitCode = EXIT.failed;
    }
    process.exit(exitCode);
  })();
  return finishing;
}

function onSignal(signal: NodeJS.Signals): void {
  if (interrupted !== undefined || finishing !== undefined) {
    process.stderr.write(`qci demo: ${signal}: still cleaning up…\n`);
    return;
  }
  interrupted = signal;
  process.stderr.write(
    `\nqci demo: ${signal}: stopping everything it started and removing its files…\n`,
  );
  void finish(
    signal === 'SIGPIPE' ? SIGPIPE_CODE : (SIGNAL_CODES[signal] ?? EXIT.failed),
  );
}

/** --readme's renames: longest first, so a path is renamed before a prefix of it. */
function readmeNames(bed: TestBed): (text: string) => string {
  const pairs: Array<[string, string]> = [
    [bed.podman.xdgRuntimeDir, '/run/user/1000'],
    [bed.podman.home, '~'],
    [bed.appci.url, 'https://api.ci.l2s4.p1.openshiftapps.com:6443'],
    [bed.proxy.host, 'quay-proxy.ci.openshift.org'],
  ];
  pairs.sort(([a], [b]) => b.length - a.length);
  return (text) =>
    pairs.reduce((t, [from, to]) => t.replaceAll(from, to), text);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const unknown = args.filter((a) => a !== '--readme');
  if (unknown.length > 0) {
    process.stderr.write(`qci demo: unknown argument ${unknown[0]}\n${USAGE}`);
    process.exit(2);
  }
  const checkout = findCheckout(dirname(fileURLToPath(import.meta.url)));
  const problems = missingRequirements(checkout);
  if (problems.length > 0) {
    process.stderr.write(
      `qci demo: cannot run:\n${problems.map((p) => `  - ${p}\n`).join('')}`,
    );
    process.exit(EXIT.missing);
  }
  for (const signal of Object.keys(SIGNAL_CODES))
    process.on(signal as NodeJS.Signals, onSignal);
  // `npm run demo | head`: once the reader is gone, stop and clean up as on a signal.
  process.stdout.on('error', () => onSignal('SIGPIPE'));
  // Whatever else goes wrong, the processes and the temp dir still go.
  process.on('uncaughtException', (err) => {
    process.stderr.write(`qci demo: ${err.stack ?? String(err)}\n`);
    void finish(EXIT.failed);
  });

  root = mkdtempSync(join(tmpdir(), 'qci-demo-'));
  // Every temp dir the test bed makes goes under root.
  process.env.TMPDIR = root;
  say(bold('qci demo: pulling from QCI, and the auth pitfall qci fixes'));
  say(
    dim(
      'starting the test bed: fake app.ci (HTTPS), quay-proxy stand-in, docker-registry, podman…',
    ),
  );
  try {
    const started = Date.now();
    bedStarting = startTestBed({ user: 'alice' });
    const bed = await bedStarting;
    if (interrupted !== undefined) throw new Interrupted();
    const demo = await prepare(bed, checkout!);
    if (args.includes('--readme')) rename = readmeNames(bed);
    introduce(demo, root, Date.now() - started);
    await story(demo);
    say(green(bold(`demo passed: ${stepCount} steps, each as the story says`)));
    await finish(EXIT.ok);
  } catch (err) {
    if (interrupted !== undefined || err instanceof Interrupted) {
      await finishing;
      return;
    }
    if (err instanceof StepFailed)
      say(
        red(
          bold(
            `demo FAILED at step ${stepCount}: ${err.message}; ` +
              'the output above shows what happened',
          ),
        ),
      );
    else say(red(bold(`demo FAILED: ${(err as Error).stack ?? String(err)}`)));
    await finish(EXIT.failed);
  }
}

void main();
