/**
 * What the engine setting takes (QCI_ENGINE, --engine, the config file's engine): apart from the
 * settings' zod schemas, so that completion offers them without building those.
 */
export const ENGINES = ['podman', 'docker', 'auto'] as const;
