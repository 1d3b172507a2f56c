import { describe, expect, it } from "vitest";
import { makeProgress } from "../../../src/images/progress.js";

/** A fake stream that records what was written; `isTTY` picks the mode. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 60, write: (s: string) => writes.push(s) } };
}

/** The screen a terminal shows after the writes: replays cursor-up + clear-to-end. */
function screen(writes: string[]): string[] {
  const lines: string[] = [];
  for (const w of writes) {
    let text = w;
    const up = /^\x1b\[(\d+)A\r\x1b\[J/.exec(text);
    if (up) {
      lines.splice(lines.length - Number(up[1]));
      text = text.slice(up[0].length);
    }
    lines.push(...text.split("\n").slice(0, -1));
  }
  return lines;
}

describe("build progress", () => {
  it("terminal: a live table of every image, elapsed seconds, and the tail of pip's output", () => {
    let now = 0;
    const { writes, stream } = fakeStream(true);
    const p = makeProgress(stream, { now: () => now, timer: false, tailLines: 2 });
    p.onEvent({ subject: "train", state: "waiting" });
    p.onEvent({ subject: "deps nbbuild-deps:abc", state: "waiting" });
    expect(screen(writes)).toEqual(["  train                    waiting", "  deps nbbuild-deps:abc    waiting"]);
    p.onEvent({ subject: "deps nbbuild-deps:abc", state: "building" });
    p.onLog("deps nbbuild-deps:abc", "Collecting pandas==2.0");
    p.onLog("deps nbbuild-deps:abc", "\x1b[32mDownloading pandas-2.0.whl (12 MB)\x1b[0m");
    p.onLog("deps nbbuild-deps:abc", "Installing collected packages: pandas, and a very long line that is cut at the terminal width");
    now = 7_400;
    p.tick();
    const shown = screen(writes);
    expect(shown.slice(0, 3)).toEqual([
      "  train                    waiting",
      "  deps nbbuild-deps:abc    building 7s",
      "      │ Downloading pandas-2.0.whl (12 MB)",
    ]);
    // the last tail line is cut to the terminal width (60 columns)
    expect(shown[3]).toMatch(/^      │ Installing collected packages: pandas, and a very .*…$/);
    expect(shown[3]!.length).toBeLessThan(60);
    expect(shown).toHaveLength(4);
    p.onEvent({ subject: "deps nbbuild-deps:abc", state: "built", seconds: 8.2 });
    p.onEvent({ subject: "train", state: "building" });
    now = 9_000;
    p.onEvent({ subject: "train", state: "pushing" });
    now = 12_100;
    p.tick();
    expect(screen(writes)).toEqual(["  train                    pushing  4s", "  deps nbbuild-deps:abc    built    8.2s"]);
    p.onEvent({ subject: "train", state: "pushed", seconds: 5 });
    p.close();
    expect(screen(writes)).toEqual(["  train                    pushed   5.0s", "  deps nbbuild-deps:abc    built    8.2s"]);
    // every frame redraws in place: no frame leaves a stale line behind
    expect(writes.join("")).toContain("\x1b[");
  });

  it("terminal --verbose: engine log lines scroll above the table", () => {
    const { writes, stream } = fakeStream(true);
    const p = makeProgress(stream, { now: () => 0, timer: false, verbose: true });
    p.onEvent({ subject: "one", state: "building" });
    p.onLog("one", "STEP 1/3: FROM base");
    p.onLog("one", "STEP 2/3: COPY nbbuild/ /opt/app-root/nbbuild/");
    expect(screen(writes)).toEqual(["  [one] STEP 1/3: FROM base", "  [one] STEP 2/3: COPY nbbuild/ /opt/app-root/nbbuild/", "  one                      building 0s"]);
  });

  it("lines: one line per finished image, a heartbeat when a build is silent, logs with --verbose", () => {
    let now = 0;
    const { writes, stream } = fakeStream(false);
    const p = makeProgress(stream, { now: () => now, timer: false, heartbeatMs: 5000 });
    p.onEvent({ subject: "train", state: "waiting" });
    p.onEvent({ subject: "deps nbbuild-deps:abc", state: "building" });
    p.onLog("deps nbbuild-deps:abc", "\x1b[1mCollecting scikit-learn\x1b[0m");
    now = 4_000;
    p.tick();
    expect(writes).toEqual([]); // not silent long enough yet
    now = 6_000;
    p.tick();
    expect(writes).toEqual(["  … deps nbbuild-deps:abc building 6s: Collecting scikit-learn\n"]);
    now = 8_000;
    p.tick();
    expect(writes).toHaveLength(1); // a heartbeat resets the silence
    now = 11_500;
    p.tick();
    expect(writes).toHaveLength(2);
    p.onEvent({ subject: "deps nbbuild-deps:abc", state: "built", seconds: 12 });
    p.onEvent({ subject: "train", state: "cached" });
    now = 30_000;
    p.tick();
    p.close();
    expect(writes.slice(2)).toEqual(["  deps nbbuild-deps:abc    built   12.0s\n", "  train                    cached\n"]);
    expect(writes.join("")).not.toContain("\x1b[");

    const verbose = fakeStream(false);
    const v = makeProgress(verbose.stream, { now: () => 0, timer: false, verbose: true });
    v.onEvent({ subject: "one", state: "building" });
    v.onLog("one", "\x1b[31mERROR: boom\x1b[0m");
    expect(verbose.writes).toEqual(["  [one] ERROR: boom\n"]);
  });
});
