import type { Topic } from './format.js';

// The mapping is ci-tools pkg/api/promotion.go: image stream tag NS/NAME:TAG is tag NS_NAME_TAG of the
// one repository quay.io/openshift/ci.
export const references: Topic = {
  name: 'references',
  summary: 'the image references qci takes, and how they map to QCI',
  body: () => `
An image in QCI is named by its image stream tag on app.ci, NS/NAME:TAG. QCI keeps every image in one
repository, quay.io/openshift/ci, under the tag NS_NAME_TAG, and you pull it through
quay-proxy.ci.openshift.org: ocp/4.7:my-component is pulled as
  quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component

qci pull, qci inspect and qci pullspec take every form people paste:
  NS/NAME:TAG     ocp/4.7:my-component
  app.ci          registry.ci.openshift.org/ocp/4.7:my-component (warns)
  decommissioned  registry.svc.ci.openshift.org/ci/ci-operator:latest (warns)
  QCI             quay.io/openshift/ci:ocp_4.7_my-component
  QCI's proxy     quay-proxy.ci.openshift.org/openshift/ci:ocp_4.7_my-component
  -               qci pullspec -: one reference a line on standard input

Rules checked before anything is pulled: a namespace is letters, digits and "-" (no "_"); a tag is at
most 128 characters, and so is the QCI tag NS_NAME_TAG; a digest reference (ocp/4.7@sha256:…) has no
QCI tag. Upper case is kept as written, as ci-tools keeps it, with a warning (tags are case-sensitive).
A slash where the colon goes (ocp/4.7/my-component) gets "did you mean ocp/4.7:my-component?".

Mapping back from a QCI tag is ambiguous when the name or tag holds "_" (ocp_release_payload_images is
ocp/release:payload_images or ocp/release_payload:images): qci pullspec says so rather than guessing.

Examples:
  $ qci pullspec ocp/4.7:my-component
  $ podman pull $(qci pullspec ocp/4.7:my-component)
  $ qci pullspec --json quay.io/openshift/ci:ocp_4.7_my-component
`,
};
