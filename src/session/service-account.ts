/**
 * Programmatic access to QCI (the seed's "Token For Programmatic Access to QCI"): the openshift/release
 * files that create a project's ServiceAccount (qci sa init), and bound tokens for it through the
 * TokenRequest API on app.ci (qci sa token).
 */
import type { AuthSetup } from './setup.js';
import { promises as fsp } from 'node:fs';
import { MAX_BYTES, readFileSafe } from '../io/read.js';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../auth/index.js';
import { formatDuration } from '../core/duration.js';
import { QciError, usageError } from '../core/errors.js';
import {
  REGISTRY_ACCESS_DIR,
  SERVICE_ACCOUNT,
  dns1123SubdomainProblem,
  projectProblem,
  registryAccessFiles,
} from '../core/registry-access.js';
import { describeExpiry, tokenFacts } from '../core/token.js';

// ---- qci sa init ------------------------------------------------------------------------------------------

export interface InitOptions {
  project: string;
  admins: string;
  owners: string[];
  /** An openshift/release checkout; without it the files are only returned (printed by the command). */
  releaseRepo?: string | undefined;
  force: boolean;
}

export interface InitFile {
  /** Relative to the checkout: clusters/app.ci/registry-access/P/… */
  path: string;
  /** Where it was written; null when printing. */
  writtenTo: string | null;
  /** created, replaced (--force), unchanged, or printed. */
  action: 'created' | 'replaced' | 'unchanged' | 'printed';
  content: string;
}

export interface InitReport {
  project: string;
  admins: string;
  serviceAccount: string;
  /** clusters/app.ci/registry-access/P */
  dir: string;
  releaseRepo: string | null;
  files: InitFile[];
  warnings: string[];
  nextSteps: string[];
}

/** What is at `path`: a directory, something else, or nothing; any other failure is an io error naming it. */
export async function kindOf(path: string): Promise<'dir' | 'file' | 'absent'> {
  try {
    return (await fsp.stat(path)).isDirectory() ? 'dir' : 'file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new QciError(
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { kind: 'io' },
    );
  }
}

/**
 * The checkout's own directories and files only: a symbolic link on the way (a hostile fork's
 * `registry-access/<project>` pointing at /etc) would take the writes out of it.
 */
async function refuseLinksOut(repo: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    let link = false;
    try {
      link = (await fsp.lstat(join(repo, path))).isSymbolicLink();
    } catch {
      continue; // not there yet: qci makes it, a directory or a file of its own
    }
    if (link)
      throw new QciError(
        `${path} in ${repo} is a symbolic link; qci writes only inside the checkout, and left everything unchanged`,
        {
          kind: 'exists',
          hint: `look at where it points (ls -l ${join(repo, path)}); in a clean clone of openshift/release it is a directory or a file`,
        },
      );
  }
}

/** Renders the files and, with a release checkout, writes them there: never over an existing directory without --force. */
export async function initRegistryAccess(
  options: InitOptions,
): Promise<InitReport> {
  const rendered = registryAccessFiles({
    project: options.project,
    admins: options.admins,
    owners: options.owners,
  });
  const base = {
    project: options.project,
    admins: options.admins,
    serviceAccount: SERVICE_ACCOUNT,
    dir: rendered.dir,
    warnings: rendered.warnings,
  };
  if (options.releaseRepo === undefined) {
    return {
      ...base,
      releaseRepo: null,
      files: rendered.files.map((f) => ({
        path: f.path,
        writtenTo: null,
        action: 'printed' as const,
        content: f.content,
      })),
      nextSteps: nextSteps(options.project, options.admins, null, rendered.dir),
    };
  }

  const repo = resolve(options.releaseRepo);
  const repoKind = await kindOf(repo);
  if (repoKind !== 'dir') {
    throw new QciError(
      `--release-repo ${options.releaseRepo}: ${repoKind === 'absent' ? 'no such directory' : 'not a directory'}`,
      {
        kind: 'not-found',
        hint: 'clone it first: git clone https://github.com/openshift/release (or your fork), then pass its path',
      },
    );
  }
  if ((await kindOf(join(repo, REGISTRY_ACCESS_DIR))) !== 'dir') {
    throw usageError(
      `--release-repo ${options.releaseRepo} does not look like an openshift/release checkout: it has no ${REGISTRY_ACCESS_DIR}/`,
      {
        kind: 'not-release-repo',
        hint: 'pass the top directory of a clone of https://github.com/openshift/release',
      },
    );
  }
  await refuseLinksOut(repo, [
    ...rendered.dir
      .split('/')
      .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ...rendered.files.map((f) => f.path),
  ]);
  const target = join(repo, rendered.dir);
  const targetKind = await kindOf(target);
  if (targetKind === 'file')
    throw new QciError(
      `${target} exists and is not a directory; qci left it alone`,
      { kind: 'exists' },
    );
  if (targetKind === 'dir' && !options.force) {
    throw new QciError(
      `${rendered.dir} already exists in ${repo}; qci never overwrites it without --force`,
      {
        kind: 'exists',
        hint: `look at what is there (it may be another team's project: pick another --project), or rerun with --force to replace admin_manifest.yaml and OWNERS (other files in it stay)`,
      },
    );
  }
  await fsp.mkdir(target, { recursive: true });
  const files: InitFile[] = [];
  for (const file of rendered.files) {
    const path = join(repo, file.path);
    const before = await readFileSafe(path, {
      maxBytes: MAX_BYTES.config,
      what: 'file',
    }).catch(() => null);
    if (before !== file.content)
      await writeFileAtomic(path, file.content, 0o644);
    files.push({
      path: file.path,
      writtenTo: path,
      action:
        before === null
          ? 'created'
          : before === file.content
            ? 'unchanged'
            : 'replaced',
      content: file.content,
    });
  }
  return {
    ...base,
    releaseRepo: repo,
    files,
    nextSteps: nextSteps(options.project, options.admins, repo, rendered.dir),
  };
}

function nextSteps(
  project: string,
  admins: string,
  repo: string | null,
  dir: string,
): string[] {
  return [
    repo === null
      ? `save the two files as ${dir}/admin_manifest.yaml and ${dir}/OWNERS in a clone of openshift/release (or rerun with --release-repo DIR)`
      : `cd ${repo} && git checkout -b registry-access-${project} && git add ${dir} && git commit -m "registry-access: add ${project}"`,
    'open a pull request to https://github.com/openshift/release; once it merges, the manifests are applied to app.ci automatically',
    `then, as a member of ${admins}: qci sa token --project ${project} --output ${project}.token`,
    `and where the images are pulled: qci login --token-file ${project}.token (or podman login with the token as password)`,
  ];
}

// ---- qci sa token -----------------------------------------------------------------------------------------

export interface TokenOptions {
  project: string;
  name: string;
  seconds: number;
}

export type TokenSetup = Pick<AuthSetup, 'connect' | 'now'>;

export interface TokenReport {
  project: string;
  serviceAccount: string;
  /** system:serviceaccount:P:NAME, from the token itself. */
  subject: string | null;
  context: string;
  contextFoundBy: string;
  server: string;
  requestedSeconds: number;
  /** What app.ci granted, from its answer (the server may shorten a request). */
  grantedSeconds: number | null;
  issuedAt: string | null;
  expiresAt: string | null;
  /** "expires in 24 hours" */
  expiry: string | null;
  warnings: string[];
}

/** Names checked before anything goes to app.ci. */
export function checkTokenTarget(project: string, name: string): void {
  const problem =
    projectProblem(project) ?? dns1123SubdomainProblem('--name', name);
  if (problem) throw usageError(problem, { kind: 'invalid-name' });
}

/**
 * Asks app.ci for a bound token of serviceaccount P/NAME with the user's own app.ci context, and reads the
 * granted expiry back. A token that arrives already expired (clock skew, a server cap) is refused: it is
 * never returned.
 */
export async function requestServiceAccountToken(
  setup: TokenSetup,
  options: TokenOptions,
): Promise<{ token: string; report: TokenReport }> {
  checkTokenTarget(options.project, options.name);
  const appci = await setup.connect();
  const issued = await appci.createServiceAccountToken(
    options.project,
    options.name,
    options.seconds,
  );
  const now = setup.now();
  const facts = tokenFacts(issued.token);
  const expiresAt = issued.expiresAt ?? facts.expiresAt;
  const issuedAt = facts.issuedAt;
  const what = `serviceaccount ${options.project}/${options.name}`;
  const warnings: string[] = [];
  const expected = `system:serviceaccount:${options.project}:${options.name}`;
  if (facts.subject !== null && facts.subject !== expected)
    warnings.push(
      `the token app.ci returned is for ${facts.subject}, not ${expected}`,
    );
  if (expiresAt === null)
    warnings.push(`app.ci did not say when the token for ${what} expires`);
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
    throw new QciError(
      `app.ci returned a token for ${what} that had already expired (at ${expiresAt.toISOString()}, now ${now.toISOString()}); qci neither printed nor saved it`,
      {
        kind: 'token-expired-on-arrival',
        hint: "this machine's clock and app.ci's disagree, or app.ci cut the lifetime: check the clock (timedatectl), then ask again, perhaps with a longer --duration",
      },
    );
  }
  const from = issuedAt ?? now;
  const grantedSeconds =
    expiresAt === null
      ? null
      : Math.round((expiresAt.getTime() - from.getTime()) / 1000);
  if (grantedSeconds !== null && grantedSeconds < options.seconds - 60) {
    warnings.push(
      `app.ci granted ${formatDuration(grantedSeconds)}, not the ${formatDuration(options.seconds)} asked for (its maximum for bound tokens)`,
    );
  }
  return {
    token: issued.token,
    report: {
      project: options.project,
      serviceAccount: options.name,
      subject: facts.subject,
      context: appci.context.name,
      contextFoundBy: appci.context.foundBy,
      server: appci.context.server,
      requestedSeconds: options.seconds,
      grantedSeconds,
      issuedAt: issuedAt?.toISOString() ?? null,
      expiresAt: expiresAt?.toISOString() ?? null,
      expiry: expiresAt ? describeExpiry(expiresAt, now) : null,
      warnings,
    },
  };
}

/** The token file for `--output`: written atomically, mode 0600, no trailing newline (client-node reads token files untrimmed). */
export async function saveToken(path: string, token: string): Promise<string> {
  const target = resolve(path);
  if ((await kindOf(target)) === 'dir')
    throw usageError(`--output ${path} is a directory; name a file`);
  await writeFileAtomic(target, token, 0o600);
  return target;
}
