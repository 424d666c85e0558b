/** Where qci keeps what it remembers: $XDG_CACHE_HOME/qci, else ~/.cache/qci. */
import { join } from 'node:path';

/** Whose cache: the environment (XDG_CACHE_HOME) and the home directory. */
export interface CacheWhere {
  env: Record<string, string | undefined>;
  home: string;
}

/** What app.ci proved about tokens lately (session/facts-cache.ts). */
export function factsCacheFile({ env, home }: CacheWhere): string {
  const base = env.XDG_CACHE_HOME || join(home, '.cache');
  return join(base, 'qci', 'appci-facts.json');
}
