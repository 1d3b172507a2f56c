import { describe, expect, it } from "vitest";
import { hasCredentials, mergePipOptions, pipBuildArgs, pipOptionsFromEnv, publicPipOptions, stripCredentials } from "../../../src/render/pip.js";

describe("pip options", () => {
  const secretOpts = {
    indexUrl: "http://user:s3cret@127.0.0.1:8080/simple",
    extraIndexUrls: ["https://tok@pypi.example/simple"],
    findLinks: ["/wheels"],
  };

  it("strips credentials from URLs", () => {
    expect(stripCredentials("http://user:s3cret@127.0.0.1:8080/simple")).toBe("http://127.0.0.1:8080/simple");
    expect(hasCredentials("https://tok@h/simple")).toBe(true);
    expect(hasCredentials("https://h/simple")).toBe(false);
  });

  it("strips the whole userinfo when the password holds an @ (WHATWG URL parsing), in lists and texts too", () => {
    expect(stripCredentials("http://user:S3C@RETpw@host/")).toBe("http://host/");
    expect(stripCredentials("https://tok@en:p@ss@h.example:8443/simple/")).toBe("https://h.example:8443/simple/");
    expect(stripCredentials("http://a:b@c@h1/s http://h2/s  git+https://x:y@z@h3/r.git")).toBe("http://h1/s http://h2/s  git+https://h3/r.git");
    expect(stripCredentials("not a url: user@host")).toBe("not a url: user@host");
    expect(stripCredentials("http://host/path@v1")).toBe("http://host/path@v1"); // an @ after the authority is not userinfo
    expect(hasCredentials("http://user:S3C@RETpw@host/")).toBe(true);
    expect(JSON.stringify(publicPipOptions({ indexUrl: "http://user:S3C@RETpw@127.0.0.1:1/simple" }))).not.toMatch(/RETpw|S3C/);
  });

  it("public options carry no secret and add trusted hosts for plain http", () => {
    const pub = publicPipOptions(secretOpts);
    expect(JSON.stringify(pub)).not.toMatch(/s3cret|tok@|user/);
    expect(pub.trustedHosts).toEqual(["127.0.0.1"]);
    expect(pub.indexUrl).toBe("http://127.0.0.1:8080/simple");
  });

  it("only the build args carry the credentials", () => {
    const args = pipBuildArgs(secretOpts);
    expect(args.NBBUILD_PIP_INDEX_URL).toBe(secretOpts.indexUrl);
    expect(args.NBBUILD_PIP_EXTRA_INDEX_URL).toBe("https://tok@pypi.example/simple");
    expect(args.NBBUILD_PIP_FIND_LINKS, "local folders travel as context files").toBeUndefined();
  });

  it("skips host paths in PIP_FIND_LINKS (the build cannot see them) and keeps URLs", () => {
    const env = pipOptionsFromEnv({ PIP_FIND_LINKS: "/opt/wheels https://h/links", PIP_NO_INDEX: "1" });
    expect(env.findLinks).toEqual(["https://h/links"]);
    expect(env.noIndex).toBe(true);
    expect(pipBuildArgs({ findLinks: ["/local/dir", "https://h/links"] }).NBBUILD_PIP_FIND_LINKS).toBe("https://h/links");
  });

  it("flags win over PIP_* environment variables", () => {
    const env = pipOptionsFromEnv({ PIP_INDEX_URL: "http://a/simple", PIP_EXTRA_INDEX_URL: "http://b/simple http://c/simple" });
    expect(env.extraIndexUrls).toEqual(["http://b/simple", "http://c/simple"]);
    expect(mergePipOptions({ indexUrl: "http://flag/simple" }, env)).toMatchObject({ indexUrl: "http://flag/simple", extraIndexUrls: env.extraIndexUrls });
  });
});
