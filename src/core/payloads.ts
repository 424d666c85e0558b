/**
 * How release payloads are named where qci meets them: QCI's tag for a payload the release controller
 * put there, and the payload streams on app.ci's registry (made by the release controller, not by
 * ci-tools promotion). Pure.
 */

/** release-controller pkg/release-controller types.go `ReferencePayloadTagPrefix`: QCI's tag of a payload. */
export const PAYLOAD_TAG_PREFIX = 'rc_payload__';

/** Release payload streams on app.ci's registry, made by the release controller, not by promotion. */
export const PAYLOAD_PATH =
  /^\/(?:ocp|origin|ocp-priv|origin-priv|okd)\/release(?:-[0-9.]+)?:(?:[0-9]|latest|nightly|ci\b|stable)/;

/** A CI payload's name in its app.ci path (`/ocp/release:4.18.0-0.ci-…`): QCI holds it as rc_payload__NAME. */
export function ciPayloadName(path: string): string | null {
  // /ocp/release:4.18.0-0.ci-2026-11-20-101010, possibly with an architecture suffix.
  const m =
    /^\/ocp\/release:(\d+\.\d+\.\d+-0\.ci(?:-(?:arm64|multi|ppc64le|s390x))?-\d{4}-\d{2}-\d{2}-\d{6})$/.exec(
      path,
    );
  return m ? m[1]! : null;
}
