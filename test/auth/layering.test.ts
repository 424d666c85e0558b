/** src/auth may read and write files but never run a process, and imports only core and io (STYLE.md layers). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../src/auth/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const ALLOWED =
  /^(?:\.\/[a-z-]+\.js|\.\.\/(?:core|io)\/[a-z-]+\.js|zod\/mini|node:(?:buffer|crypto|fs|fs\/promises|os|path|util))$/;

describe('src/auth layering', () => {
  it.each(files)(
    '%s imports only core, zod and file-system builtins',
    (file) => {
      const text = readFileSync(`${dir}${file}`, 'utf8');
      const imports = [
        ...text.matchAll(/^\s*(?:import|export)[^'";]*?from\s+'([^']+)'/gm),
      ].map((m) => m[1]);
      expect(imports.filter((spec) => !ALLOWED.test(spec ?? ''))).toEqual([]);
      expect(text).not.toMatch(/child_process|execa|\bspawn\(|process\.env/);
    },
  );
});
