/** `~/x` for paths under HOME: shorter to read, and what the user would type. */
export function tildify(path: string, home: string): string {
  return home && path.startsWith(`${home}/`)
    ? `~${path.slice(home.length)}`
    : path;
}
