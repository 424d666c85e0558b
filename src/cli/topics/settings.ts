import {
  DEFAULT_SETTINGS,
  SETTING_NAMES,
  type SettingKey,
} from '../../core/settings.js';
import type { Topic } from './format.js';

/** What each setting is for, in the order `qci help settings` lists them (the rest are for tests). */
const MEANING: Partial<Record<SettingKey, [string, string]>> = {
  registry: ['the QCI pull host', String(DEFAULT_SETTINGS.registry)],
  tlsVerify: ["verify the registry's TLS certificate", 'true'],
  context: [
    'the app.ci kube context',
    'the context named app.ci, else the one whose server is app.ci',
  ],
  engine: ['podman or docker', 'podman when installed, else docker'],
  platform: ['the platform to pull', String(DEFAULT_SETTINGS.platform)],
  jobLogTimeout: [
    'job-image: give up when the whole lookup takes longer (seconds)',
    String(DEFAULT_SETTINGS.jobLogTimeout),
  ],
  jobLogMaxBytes: [
    'job-image: stop a download after this much without the line',
    '512M',
  ],
  jobLogMaxRedirects: [
    'job-image: redirects to follow',
    String(DEFAULT_SETTINGS.jobLogMaxRedirects),
  ],
  releaseController: [
    'release: the release controller API, for every architecture',
    'https://<arch>.ocp.releases.ci.openshift.org',
  ],
};

function settingLines(): string {
  return Object.entries(MEANING)
    .map(([key, [meaning, fallback]]) => {
      const names = SETTING_NAMES[key as SettingKey];
      return `  ${names.file}\n      ${meaning}\n      flag ${names.flag}, environment ${names.env}; default: ${fallback}`;
    })
    .join('\n');
}

export const settings: Topic = {
  name: 'settings',
  summary: 'settings, the config file and its keys, environment variables',
  body: () => `
Each setting comes from, in order: a flag, the environment, the config file, the default. A bad value
anywhere is an error that names where it came from; qci --verbose says where each value came from.

Config file:
  $XDG_CONFIG_HOME/qci/config.yaml (default ~/.config/qci/config.yaml); QCI_CONFIG names another.

  # ~/.config/qci/config.yaml
  registry: quay-proxy.ci.openshift.org
  platform: linux/arm64

Settings (config key, then what it is, its flag, variable and default):
${settingLines()}

docker-credential-qci runs in podman's environment, not your shell's: put registry and context in the
config file rather than exporting QCI_REGISTRY or QCI_CONTEXT in one shell.

Other environment variables:
  QCI_TOKEN_FILE         docker-credential-qci answers with the token in this file
  QCI_WEB_LOGIN_TIMEOUT  how long qci login --web waits for the browser (default 5m)
  KUBECONFIG             the kubeconfig files, read as kubectl reads them
  BROWSER                the browser qci login --web opens (else xdg-open or open)
  NO_COLOR, FORCE_COLOR  colour off or on (default: on for a terminal)
  QCI_DEBUG              a stack trace with an unexpected error
`,
};
