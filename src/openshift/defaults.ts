/** OpenShift defaults the CLI shows in its help (kept apart so `nbbuild --help` loads no cluster code). */
import { VERSION } from "../version.js";

/** Builder used when --builder is not given: the ImageStreamTag `nbbuild openshift builder-image` docs push to. */
export const DEFAULT_BUILDER = "nbbuild-builder:latest";

/** The cluster's internal registry, which pipeline pods pull from. */
export const INTERNAL_REGISTRY = "image-registry.openshift-image-registry.svc:5000";

/** Local tag `nbbuild openshift builder-image` gives the builder unless -t names another. */
export const defaultBuilderTag = () => `nbbuild-builder:${VERSION}`;
