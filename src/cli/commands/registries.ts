import type { Command } from 'commander';
import { CLUSTERS } from '../../core/clusters.js';
import { ExitCode } from '../../core/errors.js';
import { renderTable } from '../table.js';
import { examples, type CommandContext, type Wrap } from '../context.js';

export async function registriesAction(ctx: CommandContext): Promise<number> {
  if (ctx.json) {
    ctx.ui.json(CLUSTERS);
    return ExitCode.ok;
  }
  const rows = CLUSTERS.map((c) => [
    c.cluster,
    c.registry ?? '-',
    c.description,
  ]);
  for (const line of renderTable(
    ['cluster', 'registry', 'notes'],
    rows,
    ctx.ui.out.bold,
    ctx.ui.tableWidth,
  ))
    ctx.ui.print(line);
  return ExitCode.ok;
}

export function registerRegistries(program: Command, wrap: Wrap): void {
  program
    .command('registries')
    .summary('list the OpenShift CI clusters and their registries')
    .description(
      'List the OpenShift CI registries: QCI first (the one to pull from), then app.ci and the build farms,\n' +
        "whose registries hold a job's images for about an hour after it ends.",
    )
    .addHelpText(
      'after',
      examples([
        ['qci registries', 'the table'],
        [
          'qci registries --json | jq -r \'.[] | select(.cluster=="build02") | .registry\'',
          'one registry, for scripts',
        ],
      ]),
    )
    .action(wrap(registriesAction));
}
