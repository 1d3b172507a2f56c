import { it } from "vitest";
import { planNotebook } from "/work/main/src/notebook/compile.js";
it("wine", async () => {
  const p = await planNotebook("/work/main/examples/wine/wine.ipynb");
  const short = { ...p, steps: p.steps.map((s) => ({ ...s, code: s.code.map((c) => `${c.role}@${c.cell.index}: ${c.source.slice(0, 40).replace(/\n/g, "⏎")}`) })) };
  console.log(JSON.stringify(short, null, 1));
});
