/** OpenShift defaults the CLI shows in its help (kept apart so `nbbuild --help` loads no cluster code). */

/** Builder used when --builder is not given: the ImageStreamTag `nbbuild openshift builder-image` docs push to. */
export const DEFAULT_BUILDER = "nbbuild-builder:latest";

/** The cluster's internal registry, which pipeline pods pull from. */
export const INTERNAL_REGISTRY = "image-registry.openshift-image-registry.svc:5000";
