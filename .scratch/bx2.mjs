import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
const builtin = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const requireBuiltins = {
  name: 'require-builtins',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/].*\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      let n = 0;
      source = source.replace(/^import\s+([^'";]+?)\s+from\s+['"]([^'"]+)['"];?/gm, (all, what, from) => {
        if (!builtin.has(from)) return all;
        n++;
        const req = `require(${JSON.stringify(from)})`;
        what = what.trim();
        const ns = /^\*\s+as\s+(\w+)$/.exec(what);
        if (ns) return `const ${ns[1]} = ${req};`;
        const m = /^(\w+)?\s*,?\s*(\{[\s\S]*\})?$/.exec(what);
        if (!m) throw new Error(`cannot rewrite ${all} in ${args.path}`);
        const out = [];
        if (m[1]) out.push(`const ${m[1]} = ${req};`);
        if (m[2]) out.push(`const ${m[2].replace(/\s+as\s+/g, ': ')} = ${req};`);
        return out.join(' ');
      });
      if (/human-signals[\\/]build[\\/]src[\\/]main\.js$/.test(args.path)) {
        const byName = 'export const signalsByName=getSignalsByName();';
        const byNumber = 'export const signalsByNumber=getSignalsByNumber();';
        if (!source.includes(byName) || !source.includes(byNumber)) throw new Error('human-signals changed');
        source = source.replace(byNumber, 'export const signalsByNumber=/* @__PURE__ */getSignalsByNumber();').replace(byName, `let byName;
const builtByName = () => (byName ??= getSignalsByName());
export const signalsByName = new Proxy({}, {
  get: (_, key) => Reflect.get(builtByName(), key),
  has: (_, key) => Reflect.has(builtByName(), key),
  ownKeys: () => Reflect.ownKeys(builtByName()),
  getOwnPropertyDescriptor: (_, key) => {
    const found = Reflect.getOwnPropertyDescriptor(builtByName(), key);
    return found && { ...found, configurable: true };
  },
});`);
      }
      return { contents: source, loader: 'js' };
    });
  },
};
for (const [name, plugins] of [['a', []], ['b', [requireBuiltins]], ['c', [requireBuiltins]]]) {
  const r = await build({ stdin: { contents: "export * from 'execa';", resolveDir: '/work/main', loader: 'js' }, bundle: true, format: 'cjs', platform: 'node', target: 'node20', minify: true, legalComments: 'none', outfile: `/tmp/exb-${name}.cjs`, plugins, metafile: true, logLevel: 'warning' });
  const out = readFileSync(`/tmp/exb-${name}.cjs`, 'utf8');
  console.log(name, out.length, 'toESM calls', (out.match(/require\("node:[a-z_/]+"\)/g) || []).length);
}
