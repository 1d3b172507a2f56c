/**
 * Pip settings for dependency installs. Credentials (user:password@ in an index URL) may be
 * present in the options given to a build, but only `pipBuildArgs` ever sees them: hashes,
 * labels, records and messages use `publicPipOptions`.
 */

/** Pip settings of a build (from flags, else PIP_* environment variables). */
export interface PipOptions {
  indexUrl?: string;
  extraIndexUrls?: string[];
  /** URLs, or local directories (copied into the install stage's context). */
  findLinks?: string[];
  trustedHosts?: string[];
  /** Ignore package indexes (only --find-links locations). */
  noIndex?: boolean;
}

/** True for a URL (`scheme://…`), false for a local path. */
export function isUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/** One URL without its userinfo: parsed by WHATWG URL, so an `@` inside the password goes too. */
function stripUrlCredentials(token: string): string {
  const authority = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(token);
  if (!authority || !authority[2]!.includes("@")) return token;
  try {
    const url = new URL(token);
    if (url.username || url.password) {
      url.username = "";
      url.password = "";
      return url.href;
    }
  } catch {
    /* not a URL WHATWG accepts: cut the authority at its last `@` */
  }
  return authority[1]! + authority[2]!.slice(authority[2]!.lastIndexOf("@") + 1) + authority[3]!;
}

/** Removes `user:password@` from a URL (and from any URL inside a space-separated text). */
export function stripCredentials(value: string): string {
  return value.split(/(\s+)/).map(stripUrlCredentials).join("");
}

/** True when a URL carries credentials. */
export function hasCredentials(value: string): boolean {
  return stripCredentials(value) !== value;
}

/** True when any index or find-links URL of the settings carries credentials. */
export function pipHasCredentials(o: PipOptions): boolean {
  return [o.indexUrl, ...(o.extraIndexUrls ?? []), ...(o.findLinks ?? [])].some((u) => !!u && hasCredentials(u));
}

/**
 * Pip options from the environment (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS,
 * PIP_TRUSTED_HOST, PIP_NO_INDEX). Local paths in PIP_FIND_LINKS are skipped: they describe the
 * host, which the build cannot see; pass a folder with --find-links to copy it into the build.
 */
export function pipOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): PipOptions {
  const list = (v: string | undefined) => (v ? v.split(/\s+/).filter(Boolean) : undefined);
  const findLinks = list(env.PIP_FIND_LINKS)?.filter(isUrl);
  return {
    indexUrl: env.PIP_INDEX_URL || undefined,
    extraIndexUrls: list(env.PIP_EXTRA_INDEX_URL),
    findLinks: findLinks?.length ? findLinks : undefined,
    trustedHosts: list(env.PIP_TRUSTED_HOST),
    noIndex: /^(1|true|yes|on)$/i.test(env.PIP_NO_INDEX ?? "") || undefined,
  };
}

/** Flags win over the environment, field by field. */
export function mergePipOptions(flags: PipOptions, env: PipOptions): PipOptions {
  return {
    indexUrl: flags.indexUrl ?? env.indexUrl,
    extraIndexUrls: flags.extraIndexUrls?.length ? flags.extraIndexUrls : env.extraIndexUrls,
    findLinks: flags.findLinks?.length ? flags.findLinks : env.findLinks,
    trustedHosts: flags.trustedHosts?.length ? flags.trustedHosts : env.trustedHosts,
    noIndex: flags.noIndex ?? env.noIndex,
  };
}

/** Hosts of plain-http index/find-links URLs: pip needs them as trusted hosts. */
function httpHosts(o: PipOptions): string[] {
  const urls = [o.indexUrl, ...(o.extraIndexUrls ?? []), ...(o.findLinks ?? [])].filter((u): u is string => !!u);
  const hosts = new Set<string>();
  for (const u of urls) {
    try {
      const url = new URL(u);
      if (url.protocol === "http:") hosts.add(url.hostname);
    } catch {
      /* a local path for --find-links */
    }
  }
  return [...hosts];
}

/** The options without credentials, normalised and sorted: what hashes and records contain. */
export function publicPipOptions(o: PipOptions): Required<PipOptions> {
  const clean = (l: string[] | undefined) => [...new Set((l ?? []).map(stripCredentials))].sort();
  return {
    indexUrl: o.indexUrl ? stripCredentials(o.indexUrl) : "",
    extraIndexUrls: clean(o.extraIndexUrls),
    findLinks: clean(o.findLinks),
    trustedHosts: [...new Set([...(o.trustedHosts ?? []), ...httpHosts(o)])].sort(),
    noIndex: !!o.noIndex,
  };
}

/**
 * Build arguments for the install stage (the only place credentials travel). Only set values
 * appear; the install script maps them to pip's environment.
 */
export function pipBuildArgs(o: PipOptions): Record<string, string> {
  const args: Record<string, string> = {};
  const pub = publicPipOptions(o);
  if (o.indexUrl) args.NBBUILD_PIP_INDEX_URL = o.indexUrl;
  if (o.extraIndexUrls?.length) args.NBBUILD_PIP_EXTRA_INDEX_URL = o.extraIndexUrls.join(" ");
  const urlLinks = (o.findLinks ?? []).filter(isUrl);
  if (urlLinks.length) args.NBBUILD_PIP_FIND_LINKS = urlLinks.join(" ");
  if (pub.trustedHosts.length) args.NBBUILD_PIP_TRUSTED_HOST = pub.trustedHosts.join(" ");
  return args;
}

/** Names of build args whose values carry credentials (engines must not leave them behind). */
export function secretBuildArgs(args: Record<string, string>): string[] {
  return Object.entries(args).filter(([, v]) => hasCredentials(v)).map(([k]) => k);
}
