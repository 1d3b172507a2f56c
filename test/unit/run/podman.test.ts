import { describe, expect, it } from "vitest";
import { makeRunner } from "../../../src/engines/factory.js";
import { podmanRunArgs } from "../../../src/engines/podman-runner.js";

describe("podman runner", () => {
  it("isolates the container exactly like the docker runner", () => {
    const a = podmanRunArgs({
      name: "n", image: "img@sha256:ab", command: ["python3", "-u", "/r.py"], args: ["--x", "{\"a\": 1}"], env: { K: "v" },
      binds: [{ host: "/h/in", container: "/c/in", readOnly: true }, { host: "/h/out", container: "/c/out", readOnly: false }],
      user: "123456:0", cpu: 0.5, memoryBytes: 64 * 1024 * 1024, tmpfsSize: "1g", labels: { "nbbuild.run": "r1" },
    });
    expect(a.slice(0, 8)).toEqual(["run", "--name", "n", "--user", "123456:0", "--read-only", "--network", "none"]);
    expect(a.join(" ")).toContain("--tmpfs /tmp:rw,exec,size=1g");
    expect(a.join(" ")).toContain("-v /h/in:/c/in:ro -v /h/out:/c/out:rw");
    expect(a.join(" ")).toContain("--memory 67108864 --memory-swap 67108864 --cpus 0.5");
    expect(a.slice(-4)).toEqual(['["python3","-u","/r.py"]', "img@sha256:ab", "--x", "{\"a\": 1}"]);
    expect(a).not.toContain("--group-add");
  });
  it("adds the run folder's group when it is not group 0", () => {
    const a = podmanRunArgs({
      name: "n", image: "i", command: ["c"], args: [], env: {}, binds: [], user: "123456:0", groups: ["1000"], tmpfsSize: "1g", labels: {},
    });
    expect(a.join(" ")).toContain("--user 123456:0 --read-only --network none --group-add 1000");
  });
  it("is chosen by the factory", async () => {
    expect((await makeRunner("podman")).engine).toBe("podman");
    expect((await makeRunner("docker")).engine).toBe("docker");
    await expect(makeRunner("lxc")).rejects.toThrow(/unknown engine/);
  });
});
