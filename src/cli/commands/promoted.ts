import type { Command } from 'commander';
import { QciError } from '../../core/errors.js';
import { examples, type Wrap, lazyAction } from '../context.js';
import { REGISTRY_OPTION } from '../setting-flags.js';

function collect(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === '')
    throw new QciError('--image needs an image name', {
      kind: 'usage',
    });
  return [...(previous ?? []), value];
}

export function registerPromoted(program: Command, wrap: Wrap): void {
  program
    .command('promoted')
    .summary('list the QCI pull specs a ci-operator config publishes')
    .description(
      [
        'For each ci-operator config, list the image stream tags its promotion',
        'publishes and their QCI pull specs:',
        '  NS/NAME:TAG  →  quay-proxy.ci.openshift.org/openshift/ci:NS_NAME_TAG',
        '',
        'PATH is a config file, or a directory searched for *.yaml and *.yml configs,',
        'such as ci-operator/config/ of an openshift/release checkout. All of',
        "ci-operator's promotion rules apply: name and tag targets, several targets,",
        'disabled, excluded_images (and "*"), additional_images, optional images,',
        'tag_by_commit, the build cache of bin, both forms of images, and the older',
        'single-target form of promotion.',
        '',
        'Problems are reported per file on stderr, with the line and the field, and',
        'never stop the other files: YAML that does not parse, a target without a',
        'namespace, both or neither of name and tag, a field of the wrong type, and',
        'a QCI tag over 128 characters (it cannot exist in QCI).',
        '',
        'Exit codes: 0 listed; 1 a config has problems (the rest is still listed);',
        '2 usage error (a bad --commit); 5 a PATH that does not exist, no ci-operator',
        'config found, or --image matched nothing.',
      ].join('\n'),
    )
    .argument('<path...>', 'ci-operator config files or directories')
    .option(
      '--image <name>',
      'only this promoted image (its "to", or an additional_images key); repeatable',
      collect,
    )
    .option(
      '--commit <sha>',
      'the merged commit, for the tags tag_by_commit adds (default: a placeholder)',
    )
    .option(...REGISTRY_OPTION)
    .addHelpText(
      'after',
      examples([
        [
          'qci promoted ci-operator/config/openshift/my-repo',
          'what the configs of a repository publish',
        ],
        [
          'qci promoted --image my-component ci-operator/config/',
          'where is my component published?',
        ],
        [
          'qci promoted --commit $(git rev-parse HEAD) my-org-my-repo-main.yaml',
          'with the tags tag_by_commit adds for that commit',
        ],
        [
          "qci promoted --json ci-operator/config/ | jq -r '.files[].promoted[].pullSpec'",
          'every pull spec, for scripts',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/promoted.js'),
          (m) => m.promotedAction,
        ),
      ),
    );
}
