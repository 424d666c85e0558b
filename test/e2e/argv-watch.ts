/** Every command line seen in /proc while something runs: proof that a secret never reached any argv. */
import { readdirSync, readFileSync } from 'node:fs';

export function watchCommandLines(): { stop(): Promise<Set<string>> } {
  const seen = new Set<string>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (cmdline) seen.add(cmdline.replace(/\0/g, ' '));
        } catch {
          // the process ended while we looked
        }
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    async stop() {
      watching = false;
      await watcher;
      return seen;
    },
  };
}
