import { describe, expect, test } from 'vitest';

// bin/build-rewrites.mjs is plain JavaScript outside src/: typed here by what the tests use.
type Edits = [string, string][];
type What = { pkg: string; file: string };
const { replaceExactly, exactRewrite } = (await import(
  new URL('../../bin/build-rewrites.mjs', import.meta.url).href
)) as {
  replaceExactly(source: string, what: What, edits: Edits): string;
  exactRewrite(o: What & { name: string; edits: Edits }): { check(): void };
};

const what = { pkg: 'execa', file: 'lib/utils/standard-stream.js' };

describe("the build's rewrites of third-party sources", () => {
  test('replace the expected text', () => {
    expect(
      replaceExactly('a = [1];\nb;', what, [['a = [1];', 'a = [];']]),
    ).toBe('a = [];\nb;');
  });

  test.each([
    ['text changed upstream', 'a = [1, 2];', /no longer/],
    ['text there twice', 'a = [1]; a = [1];', /2 times/],
  ])('fail the build, naming package, file and text: %s', (_, source, how) => {
    const rewrite = () => replaceExactly(source, what, [['a = [1];', '']]);
    expect(rewrite).toThrow(how);
    expect(rewrite).toThrow(
      /qci build: execa changed: lib\/utils\/standard-stream\.js .*\n {2}a = \[1\];/,
    );
  });

  test('fail the build when the file was never in the bundle', () => {
    const plugin = exactRewrite({ ...what, name: 'lazy', edits: [] });
    expect(() => plugin.check()).toThrow(
      /execa changed: lib\/utils\/standard-stream\.js was not in the bundle/,
    );
  });
});
