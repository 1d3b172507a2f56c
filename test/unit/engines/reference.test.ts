import { describe, expect, it } from "vitest";
import { canonicalRepository, parseImageRef, repositoryOf, sameRepository, splitTag, withDigest } from "../../../src/registry/reference.js";

const D = "sha256:" + "a".repeat(64);

describe("image references", () => {
  it("normalises Docker Hub names as docker does", () => {
    expect(parseImageRef("python:3.11-slim")).toEqual({ registry: "docker.io", path: "library/python", tag: "3.11-slim", name: "python" });
    expect(parseImageRef("team/app")).toMatchObject({ registry: "docker.io", path: "team/app", name: "team/app" });
    expect(canonicalRepository("docker.io/library/python:3")).toBe("docker.io/library/python");
    expect(sameRepository("python", "docker.io/library/python@" + D)).toBe(true);
    expect(sameRepository("index.docker.io/library/python", "python")).toBe(true);
  });

  it("keeps a registry port apart from a tag, and reads digests", () => {
    expect(parseImageRef(`127.0.0.1:5000/nbbuild/python:bookworm@${D}`)).toEqual({
      registry: "127.0.0.1:5000", path: "nbbuild/python", tag: "bookworm", digest: D, name: "127.0.0.1:5000/nbbuild/python",
    });
    expect(parseImageRef("localhost/x")).toMatchObject({ registry: "localhost", path: "x" });
    expect(repositoryOf("127.0.0.1:5000/p/x")).toBe("127.0.0.1:5000/p/x");
    expect(splitTag(`127.0.0.1:5000/p/x@${D}`)).toEqual({ repo: "127.0.0.1:5000/p/x", tag: D });
    expect(withDigest("127.0.0.1:5000/p/x:old", D)).toBe(`127.0.0.1:5000/p/x@${D}`);
  });

  it("rejects malformed references with the reason", () => {
    expect(() => parseImageRef("Team/App")).toThrow(/invalid image reference "Team\/App": repository component "Team"/);
    expect(() => parseImageRef("x@sha256:zz")).toThrow(/is not a digest/);
    expect(() => parseImageRef("")).toThrow(/empty/);
  });
});
