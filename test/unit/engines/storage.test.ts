import { describe, expect, it } from "vitest";
import { configuredStorage, defaultIsolatedRoot } from "../../../src/engines/storage.js";

describe("containers storage choice", () => {
  it("forces nothing by default: the user's configuration decides", () => {
    expect(configuredStorage({})).toBeUndefined();
  });

  it("NBBUILD_STORAGE_ROOT / NBBUILD_STORAGE_DRIVER select nbbuild's own store, vfs by default", () => {
    expect(configuredStorage({ NBBUILD_STORAGE_ROOT: "/srv/nb" })).toEqual({
      args: ["--root", "/srv/nb", "--runroot", "/srv/nb/run", "--storage-driver", "vfs"],
      description: "nbbuild's own containers storage (driver vfs, /srv/nb; NBBUILD_STORAGE_ROOT/NBBUILD_STORAGE_DRIVER)",
    });
    const root = defaultIsolatedRoot({ XDG_DATA_HOME: "/home/u/.data" });
    expect(configuredStorage({ NBBUILD_STORAGE_DRIVER: "overlay", XDG_DATA_HOME: "/home/u/.data" })!.args).toEqual(["--root", root, "--runroot", `${root}/run`, "--storage-driver", "overlay"]);
    expect(root).toMatch(/nbbuild\/containers-storage$/);
  });
});
