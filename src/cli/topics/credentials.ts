import type { Topic } from './format.js';

// The read order is containers-auth.json(5) and containers/image pkg/docker/config/config.go; the
// version differences and the helper and identity-token cases were seen with podman 4.3.1 and docker 20.10.
export const credentials: Topic = {
  name: 'credentials',
  summary: 'how podman and docker choose the credential they send to QCI',
  body: () => `
How podman and docker choose the credential they send to QCI, which is what qci whoami and qci doctor
report and what qci login and qci logout change.

podman (and skopeo, buildah) read these files in order; the first one with a key for QCI wins, whether
its token is alive or not (there is no fallback to the next file):
  1  --authfile or REGISTRY_AUTH_FILE if given, else $XDG_RUNTIME_DIR/containers/auth.json
  2  $XDG_CONFIG_HOME/containers/auth.json (default ~/.config/containers/auth.json)
  3  $DOCKER_CONFIG/config.json, else ~/.docker/config.json
  4  ~/.dockercfg

Before podman 4.4 (Debian 12 has 4.3.1) files 2 to 4 are read even with --authfile; before 4.8 a set
DOCKER_CONFIG makes its config.json the first file instead of the runtime one. podman login writes
only the first file; podman logout removes only from it, so an old entry in ~/.docker/config.json
keeps breaking pulls after it. qci logout removes QCI entries from every file (a backup is kept when
the file held something besides the QCI secret).

docker reads only $DOCKER_CONFIG/config.json (default ~/.docker/config.json): credHelpers for the
host, then credsStore, then its auths entry. docker has no --authfile.

Within a file:
  credHelpers       a helper named for the host is asked (docker-credential-NAME get); when it has
                    nothing, podman goes on to the next file
  per-repository    a key such as HOST/openshift/ci wins over HOST: the most specific key wins
  URL keys          https://HOST/v1/ counts as HOST; two such keys for one host are ambiguous
                    (podman picks one at random)
  identitytoken     sent as an OAuth2 refresh-token grant, which QCI does not accept
  missing file      a REGISTRY_AUTH_FILE, --authfile or $DOCKER_CONFIG/config.json that does not
                    exist makes podman fail before it sends anything

What qci does with this:
  qci whoami          what each engine will send, from which file and key
  qci doctor          every QCI entry in every file, which one wins, and the
                      safe fixes (--fix)
  qci login           logs the engine in, then checks that its next pull sends
                      the new token
  qci login --helper  registers docker-credential-qci: no token in any file
  qci exec -- CMD     a credential that exists only while CMD runs

Tokens never reach qci's output: they show as sha256~abcd… at most. A token goes to podman and docker
on stdin, never in their arguments; qci login takes none in its own (use --token-file FILE).
`,
};
