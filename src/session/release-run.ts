/**
 * The whole of `qci release`: resolve the release, then, as asked, its components (or one of them),
 * then the pull of the payload or that component.
 */
import { QciError } from '../core/errors.js';
import type { Component } from '../core/release-api.js';
import { closestNames } from '../core/release.js';
import {
  releaseComponents,
  type ComponentsReport,
  type ComponentsRequest,
} from './release-components.js';
import {
  pullReleaseImage,
  type ReleasePullOptions,
  type ReleasePullReport,
} from './release-pull.js';
import {
  latestCommand,
  resolveRelease,
  type ReleaseReport,
  type ReleaseRequest,
} from './release.js';
import type { AuthSetup } from './setup.js';

export interface ReleaseRunRequest extends ReleaseRequest {
  components?: boolean;
  component?: string | undefined;
  progress?: ComponentsRequest['progress'];
  /** Called once the release is found, before its layers are read or it is pulled. */
  onResolved?: (release: ReleaseReport) => void;
  /** --pull: the pull's options (the payload, or --component's image). */
  pull?: ReleasePullOptions | undefined;
}

export interface ReleaseRunReport extends ReleaseReport {
  components?: Component[];
  component?: Component;
  /** The top layer read for the components, and how many compressed bytes of it. */
  componentsFrom?: Omit<ComponentsReport, 'components'>;
  pulled?: ReleasePullReport;
  exitCode: number;
}

function pick(
  components: Component[],
  wanted: string,
  release: string,
): Component {
  const found = components.find((c) => c.name === wanted);
  if (found) return found;
  const close = closestNames(
    components.map((c) => c.name),
    wanted,
  );
  throw new QciError(
    `${release} has no component ${wanted}${close.length ? `; close: ${close.join(', ')}` : ''}`,
    {
      kind: 'not-found',
      hint: `qci release ${release} --components lists them`,
    },
  );
}

export async function runRelease(
  setup: AuthSetup,
  request: ReleaseRunRequest,
): Promise<ReleaseRunReport> {
  const release = await resolveRelease(setup, request);
  request.onResolved?.(release);
  const report: ReleaseRunReport = { ...release, exitCode: 0 };
  if (request.components || request.component !== undefined) {
    const read = await releaseComponents(setup, release, request);
    const { components, ...from } = read;
    report.componentsFrom = from;
    if (request.component !== undefined)
      report.component = pick(components, request.component, release.name);
    else report.components = components;
  }
  if (request.pull) {
    const spec = report.component?.pullSpec ?? release.pullSpec;
    report.pulled = await pullReleaseImage(
      setup,
      spec,
      request.pull,
      latestCommand(release.stream, release.arch),
    );
    report.exitCode = report.pulled.exitCode;
  }
  return report;
}
