import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DockerEngine, type DockerClient } from "../../../src/engines/docker.js";
import { redact } from "../../../src/engines/engine.js";
import { isLoopbackRegistry, splitTag } from "../../../src/registry/reference.js";
import { tarContext } from "../../../src/engines/tar.js";
import { readTar } from "../../support/tar.js";

/** Reads a tar stream into {name: [mode, content]}. */
async function untar(stream: NodeJS.ReadableStream): Promise<Record<string, [string, string]>> {
  return Object.fromEntries((await readTar(stream)).map((e) => [e.name, [e.mode.toString(8), e.data.toString()]]));
}

/** A fake of the dockerode subset: records build calls and answers with a progress stream. */
function fakeClient(messages: object[], images: Record<string, object> = {}) {
  const calls: { context: NodeJS.ReadableStream; opts: Record<string, unknown> }[] = [];
  const client = {
    buildImage: async (context: NodeJS.ReadableStream, opts: Record<string, unknown>) => {
      calls.push({ context, opts });
      images[String(opts.t)] = { Id: "sha256:built", RepoDigests: [], Config: { User: "1001", Labels: { a: "b" } } };
      return Readable.from(messages.map((m) => JSON.stringify(m) + "\n"));
    },
    listImages: async () => [],
    getImage: (name: string) => ({
      inspect: async () => {
        if (images[name]) return images[name];
        throw Object.assign(new Error("no such image"), { statusCode: 404 });
      },
    }),
    modem: {
      followProgress: (stream: NodeJS.ReadableStream, done: (e: Error | null) => void, onProgress: (m: object) => void) => {
        let buf = "";
        stream.on("data", (c: Buffer | string) => (buf += c.toString()));
        stream.on("end", () => {
          for (const l of buf.split("\n").filter(Boolean)) onProgress(JSON.parse(l));
          done(null);
        });
      },
    },
  } as unknown as DockerClient;
  return { client, calls };
}

describe("DockerEngine with a fake client", () => {
  const ctx = {
    containerfile: "Containerfile",
    files: [
      { path: "src/data/x.csv", data: Buffer.from("1,2"), mode: 0o664 },
      { path: "Containerfile", data: Buffer.from("FROM scratch\n"), mode: 0o664 },
    ],
  };

  it("streams the context as a tar and passes build args and network", async () => {
    const { client, calls } = fakeClient([{ stream: "Step 1/1 : FROM scratch\n" }]);
    const lines: string[] = [];
    const info = await new DockerEngine(client).build(ctx, "nbbuild/x:1", {
      buildArgs: { NBBUILD_PIP_INDEX_URL: "http://u:topsecret@127.0.0.1/simple" },
      network: "host",
      onLog: (l) => lines.push(l),
    });
    expect(info).toEqual({ id: "sha256:built", repoDigests: [], user: "1001", labels: { a: "b" } });
    expect(calls[0]!.opts).toMatchObject({ t: "nbbuild/x:1", dockerfile: "Containerfile", networkmode: "host", pull: false });
    const entries = await untar(calls[0]!.context);
    expect(Object.keys(entries)).toEqual(["src/", "src/data/", "Containerfile", "src/data/x.csv"]);
    expect(entries["src/data/x.csv"]).toEqual(["664", "1,2"]);
    expect(lines).toEqual(["Step 1/1 : FROM scratch"]);
  });

  it("fails with the daemon's message, with build-arg values redacted", async () => {
    const { client } = fakeClient([{ errorDetail: { message: "pip failed for http://u:topsecret@h" }, error: "x" }]);
    const err = await new DockerEngine(client).build(ctx, "t:1", { buildArgs: { A: "http://u:topsecret@h" } }).catch((e: Error) => e);
    expect(String(err)).toContain("docker build of t:1 failed");
    expect(String(err)).not.toContain("topsecret");
  });

  it("drops the local stage images whose history records a secret build arg", async () => {
    const removed: string[] = [];
    const now = Math.floor(Date.now() / 1000);
    const history: Record<string, { CreatedBy: string }[]> = {
      "sha256:stage": [{ CreatedBy: "|1 NBBUILD_PIP_INDEX_URL=http://u:pw123@h/simple /bin/sh -c python3 install.py" }],
      "sha256:other": [{ CreatedBy: "/bin/sh -c echo hello" }],
    };
    const { client } = fakeClient([{ stream: "ok\n" }]);
    const c = client as unknown as Record<string, unknown>;
    c.listImages = async () => [{ Id: "sha256:stage", Created: now }, { Id: "sha256:other", Created: now }, { Id: "sha256:old", Created: now - 3600 }];
    const getImage = c.getImage as (n: string) => Record<string, unknown>;
    c.getImage = (n: string) => ({
      ...getImage(n),
      history: async () => history[n] ?? [{ CreatedBy: "http://u:pw123@h" }],
      remove: async () => void removed.push(n),
    });
    const engine = new DockerEngine(client);
    await engine.build(ctx, "t:1", { buildArgs: { NBBUILD_PIP_INDEX_URL: "http://u:pw123@h/simple", NBBUILD_PIP_TRUSTED_HOST: "h" }, secretArgs: ["NBBUILD_PIP_INDEX_URL"] });
    expect(removed).toEqual(["sha256:stage"]);
    removed.length = 0;
    await engine.build(ctx, "t:2", { buildArgs: { NBBUILD_PIP_TRUSTED_HOST: "h" } });
    expect(removed, "nothing secret: the stage cache stays").toEqual([]);
  });

  it("inspect answers undefined for a missing image", async () => {
    const { client } = fakeClient([]);
    expect(await new DockerEngine(client).inspect("nope:1")).toBeUndefined();
  });
});

describe("engine helpers", () => {
  it("makes deterministic tars", async () => {
    const files = [{ path: "b", data: Buffer.from("b"), mode: 0o664 }, { path: "a/x", data: Buffer.from("x"), mode: 0o775 }];
    const one = await untar(Readable.from(tarContext(files)));
    const two = await untar(Readable.from(tarContext([...files].reverse())));
    expect(one).toEqual(two);
    expect(Object.keys(one)).toEqual(["a/", "a/x", "b"]);
  });

  it("splits tags and spots loopback registries", () => {
    expect(splitTag("127.0.0.1:5000/p/x:abc")).toEqual({ repo: "127.0.0.1:5000/p/x", tag: "abc" });
    expect(splitTag("127.0.0.1:5000/p/x")).toEqual({ repo: "127.0.0.1:5000/p/x", tag: "latest" });
    expect(isLoopbackRegistry("127.0.0.1:5000/p/x:1")).toBe(true);
    expect(isLoopbackRegistry("localhost/p")).toBe(true);
    expect(isLoopbackRegistry("quay.io/p/x")).toBe(false);
    expect(isLoopbackRegistry("python:3.11-slim")).toBe(false);
    expect(redact("a secretvalue b", { X: "secretvalue" })).toBe("a *** b");
  });
});
