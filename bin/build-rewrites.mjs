// The build's rewrites of third-party sources (bin/build.mjs uses them). Each names the package, the
// file and the exact text it rewrites; when an upgrade changes that text or moves the file, the build
// fails saying so, instead of shipping a bundle that silently lost what the rewrite bought.
import { readFileSync } from 'node:fs';

/** Thrown when a package's text is no longer what a rewrite expects. */
export class RewriteMismatch extends Error {
  name = 'RewriteMismatch';
}

/**
 * `source` with each `[from, to]` of `edits` applied; `from` must occur exactly once. `what` names the
 * package and file for the error: `{ pkg: 'execa', file: 'lib/utils/standard-stream.js' }`.
 */
export function replaceExactly(source, what, edits) {
  let out = source;
  for (const [from, to] of edits) {
    const count = out.split(from).length - 1;
    if (count !== 1)
      throw new RewriteMismatch(
        `qci build: ${what.pkg} changed: ${what.file} has ${count === 0 ? 'no longer' : `${count} times`} the text the build rewrites:\n  ${from}\n` +
          'Update the rewrite in bin/build-rewrites.mjs to the new text (and measure it again), or drop it.',
      );
    out = out.replace(from, () => to);
  }
  return out;
}

/**
 * An esbuild `plugin` that applies `edits` (then `transform`) to the file of `pkg` whose path ends with
 * `file`, and `check()`, called after the build, which throws unless it did: a package that moved the
 * file fails the build as a changed text does.
 */
export function exactRewrite({ name, pkg, file, edits, transform = (s) => s }) {
  let applied = 0;
  const escaped = `${pkg}/${file}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const filter = new RegExp(`[\\\\/]${escaped.replaceAll('/', '[\\\\/]')}$`);
  const plugin = {
    name,
    setup(b) {
      b.onLoad({ filter }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        applied++;
        return {
          contents: transform(replaceExactly(source, { pkg, file }, edits)),
          loader: 'js',
        };
      });
    },
  };
  return {
    plugin,
    check() {
      if (applied === 0)
        throw new RewriteMismatch(
          `qci build: ${pkg} changed: ${file} was not in the bundle, so the build's rewrite of it (${name}) did not apply`,
        );
    },
  };
}
