import type { Command } from 'commander';
import { examples, type Wrap, lazyAction } from '../context.js';
import { addSettingOptions } from '../setting-flags.js';

export function registerImages(program: Command, wrap: Wrap): void {
  addSettingOptions(
    program
      .command('images')
      .summary(
        "list local QCI images and whether QCI's tag still points at them",
      )
      .description(
        "List the QCI images in the engine's local store (podman, or docker with --engine docker): each with " +
          'its image stream tag, when it was built (podman records no pull time; with docker, when it was last tagged if docker says), and its state: ' +
          "current (QCI's tag points at it), stale (the tag has moved; with when, from the registry's Last-Modified " +
          "or else the new image's created time, as it says), gone (QCI no longer has the tag), or pinned (pulled by digest; said when QCI no longer has that digest). " +
          'QCI is asked with manifest HEADs, concurrently over shared connections, with the credential the engine ' +
          'sends; no layer is downloaded. --pull-stale then pulls the stale ones as qci pull does.',
      )
      .option('--pull-stale', 'pull the images whose QCI tag has moved')
      .option(
        '--platform <os/arch>',
        'platform to pull with --pull-stale and to date a moved tag by (env QCI_PLATFORM; default linux/amd64)',
      )
      .option(
        '--timeout <seconds>',
        'give up on a request attempt after this long (default 30; a failed request is tried up to 4 times)',
      ),
  )
    .addHelpText(
      'after',
      examples([
        ['qci images', 'every local QCI image: current, stale, gone or pinned'],
        ['qci images --pull-stale', 'and pull the stale ones'],
        ['qci images --engine docker --json', "docker's, as JSON"],
        [
          'qci images --json | jq -r \'.images[] | select(.state == "stale") | .pullSpec\'',
          'the stale pull specs',
        ],
      ]),
    )
    .action(
      wrap(
        lazyAction(
          () => import('../actions/images.js'),
          (m) => m.imagesAction,
        ),
      ),
    );
}
