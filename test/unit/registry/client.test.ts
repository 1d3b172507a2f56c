import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findCredential } from "../../../src/registry/auth.js";
import { RegistryClient, RegistryError, parseChallenge } from "../../../src/registry/client.js";
import { startTestRegistry } from "../../support/registry-server.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** A HOME whose ~/.docker/config.json holds `user:password` for `host`. */
function homeWithDockerLogin(host: string, user: string, password: string): NodeJS.ProcessEnv {
  const home = tempDir("nbbuild-auth-");
  mkdirSync(path.join(home, ".docker"));
  writeFileSync(path.join(home, ".docker", "config.json"), JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString("base64") } } }));
  return { HOME: home };
}

/** Pushes one blob and a manifest naming it, reads both back; returns the manifest digest. */
async function roundTrip(client: RegistryClient, repo: string): Promise<string> {
  const blob = Buffer.from(`layer of ${repo}`);
  expect(await client.hasBlob(repo, sha(blob))).toBe(false);
  await client.uploadBlob(repo, sha(blob), blob);
  expect(await client.hasBlob(repo, sha(blob))).toBe(true);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, layers: [{ digest: sha(blob), size: blob.length }] }));
  const digest = await client.putManifest(repo, "v1", manifest, MANIFEST);
  expect(await client.headManifest(repo, "v1")).toBe(digest);
  expect((await client.getManifest(repo, digest))!.body.equals(manifest)).toBe(true);
  return digest;
}

describe("registry client", () => {
  it("talks to an anonymous loopback registry over plain http and counts its requests", async () => {
    const reg = await startTestRegistry();
    try {
      const client = new RegistryClient(reg.host, { credential: null });
      await roundTrip(client, "team/app");
      expect(client.requests).toBe(reg.log.length);
      expect(client.bytesPushed).toBeGreaterThan(0);
      // Cross-repository mount: one request, no bytes.
      const before = client.bytesPushed;
      expect(await client.mountBlob("team/other", sha(Buffer.from("layer of team/app")), "team/app")).toBe(true);
      expect(client.bytesPushed).toBe(before);
      expect(reg.log.at(-1)).toMatch(/^POST \/v2\/team\/other\/blobs\/uploads\/\?mount=sha256%3A[0-9a-f]{64}&from=team%2Fapp$/);
    } finally {
      await reg.close();
    }
  });

  it("follows the bearer challenge with credentials from ~/.docker/config.json, one token per scope", async () => {
    const reg = await startTestRegistry({ mode: "bearer", user: "alice", password: "s3cret-pw" });
    try {
      const env = homeWithDockerLogin(reg.host, "alice", "s3cret-pw");
      const client = new RegistryClient(reg.host, { env });
      await roundTrip(client, "team/app");
      const tokenRequests = reg.log.filter((l) => l.startsWith("GET /token"));
      expect(tokenRequests).toEqual([
        "GET /token?service=test&scope=repository%3Ateam%2Fapp%3Apull",
        "GET /token?service=test&scope=repository%3Ateam%2Fapp%3Apull%2Cpush",
      ]);
      expect(reg.log.filter((l) => l === "HEAD /v2/team/app/blobs/" + sha(Buffer.from("layer of team/app")))).toHaveLength(3); // 401, then 2 with a token
    } finally {
      await reg.close();
    }
  });

  it("sends basic credentials when the registry asks for them, from $REGISTRY_AUTH_FILE", async () => {
    const reg = await startTestRegistry({ mode: "basic", user: "bob", password: "pw-basic" });
    try {
      const file = path.join(tempDir("nbbuild-auth-"), "auth.json");
      writeFileSync(file, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from("bob:pw-basic").toString("base64") } } }));
      const client = new RegistryClient(reg.host, { env: { HOME: tempDir("nbbuild-home-"), REGISTRY_AUTH_FILE: file } });
      await roundTrip(client, "team/app");
    } finally {
      await reg.close();
    }
  });

  it("says how to log in when credentials are missing or wrong", async () => {
    const reg = await startTestRegistry({ mode: "bearer", user: "alice", password: "right" });
    try {
      const anonymous = new RegistryClient(reg.host, { env: { HOME: tempDir("nbbuild-home-") } });
      const err = await anonymous.hasBlob("team/app", sha(Buffer.from("x"))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as Error).message).toMatch(/token request .* failed: HTTP 401 \(no credential found: log in with docker login or podman login\)/);
      const wrong = new RegistryClient(reg.host, { env: homeWithDockerLogin(reg.host, "alice", "wrong") });
      await expect(wrong.hasBlob("team/app", sha(Buffer.from("x")))).rejects.toThrow(/HTTP 401$/);
    } finally {
      await reg.close();
    }
  });

  it("reads credentials from containers auth.json before docker's config, and a pod's .dockercfg map", () => {
    const home = tempDir("nbbuild-home-");
    mkdirSync(path.join(home, ".config", "containers"), { recursive: true });
    writeFileSync(path.join(home, ".config", "containers", "auth.json"), JSON.stringify({ auths: { "quay.io": { auth: Buffer.from("c:1").toString("base64") } } }));
    mkdirSync(path.join(home, ".docker"));
    writeFileSync(path.join(home, ".docker", "config.json"), JSON.stringify({ auths: { "quay.io": { username: "d", password: "2" }, "https://index.docker.io/v1/": { auth: Buffer.from("hub:3").toString("base64") } } }));
    writeFileSync(path.join(home, ".dockercfg"), JSON.stringify({ "image-registry.openshift-image-registry.svc:5000": { auth: Buffer.from("sa:tok").toString("base64") } }));
    expect(findCredential("quay.io", { HOME: home })).toEqual({ username: "c", password: "1" });
    expect(findCredential("docker.io", { HOME: home })).toEqual({ username: "hub", password: "3" });
    expect(findCredential("image-registry.openshift-image-registry.svc:5000", { HOME: home })).toEqual({ username: "sa", password: "tok" });
    expect(findCredential("ghcr.io", { HOME: home })).toBeUndefined();
  });

  it("parses challenges", () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"')).toEqual({
      scheme: "bearer", realm: "https://auth.example/token", service: "registry.example",
    });
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: "basic", realm: "x", service: undefined });
    expect(parseChallenge("Negotiate")).toBeUndefined();
  });
});
