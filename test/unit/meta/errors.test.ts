import { describe, expect, it } from "vitest";
import { NbbuildError, formatLocation } from "../../../src/errors.js";

describe("NbbuildError", () => {
  it("names file, cell index and id, line, and the fix", () => {
    const err = NbbuildError.at({ file: "nb.ipynb", cellIndex: 7, cellId: "ab12", line: 3 }, "bad tag", "remove it");
    expect(err.message).toBe("nb.ipynb#cell 7 (id ab12), line 3: bad tag\n  fix: remove it");
  });
  it("joins several problems, validating everything before failing once", () => {
    const err = new NbbuildError([
      { location: { file: "a.ipynb", cellIndex: 1 }, message: "one" },
      { location: { file: "p.pipeline", nodeId: "n1" }, message: "two" },
    ]);
    expect(err.problems).toHaveLength(2);
    expect(err.message.split("\n")).toEqual(["a.ipynb#cell 1: one", "p.pipeline#node n1: two"]);
  });
  it("formats a bare file location", () => {
    expect(formatLocation({ file: "x.ipynb" })).toBe("x.ipynb");
  });
});
