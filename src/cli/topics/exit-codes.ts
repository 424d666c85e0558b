import type { Topic } from './format.js';

/** The exit codes, as `qci help exit-codes` lists them (README.md's "Exit codes" has the same). */
export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    failure (the message says what failed and what to run next)
  2    usage error: unknown command or flag, malformed reference, bad setting
  3    authentication needed: not logged in, or the app.ci token is dead
  4    access denied: no QCI access (or not allowed to pull that image)
  5    not found: image, tag, platform, release stream or release, file or kube context
  6    unreachable: DNS, connection refused, timeout or TLS failure
  7    a tool qci needs (podman or docker) is not installed
  126  qci exec: COMMAND cannot be run
  127  qci exec: COMMAND is not found
  130  interrupted (Ctrl-C)
`;

export const exitCodes: Topic = {
  name: 'exit-codes',
  summary: 'what each exit code means, and the error kinds of --json',
  body: () => `
What qci's exit code says, for scripts: the same code for the same cause in every command.
${EXIT_CODES_HELP}
qci doctor exits 1 when something needs a fix. qci rewrite --check exits 1 when it found references to
rewrite. qci exec exits with COMMAND's own code (128+N when signal N ended it); before COMMAND starts,
qci's own codes apply.

With --json, a failure is one document on stdout:
  {"error": {"kind": "not-found", "message": "…", "hint": "…"}}
Its kind is one of a fixed list (token-expired, denied, not-found, …), and the exit code follows from
the kind.
`,
};
