/** Environment variable read for the KFP bearer token unless --token-env names another (its own module so `--help` loads nothing else). */
export const DEFAULT_TOKEN_ENV = "KF_PIPELINES_TOKEN";
