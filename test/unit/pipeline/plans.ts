/** Hand-built Plans and build records for the pipeline writer tests (independent of the compiler). */
import { createHash } from "node:crypto";
import type { BuildRecord } from "../../../src/images/record-types.js";
import type { Plan, Step } from "../../../src/plan/types.js";
import { neutralPlan, neutralStep } from "../../support/plan-builders.js";

/** A step with every field at its neutral value, overridden by `over`. */
export function makeStep(name: string, over: Partial<Step> = {}): Step {
  return neutralStep(name, { source: { file: "nb.ipynb", cells: [{ index: 1, id: `c-${name}` }] }, ...over });
}

/** A Plan around the given steps. */
export function makePlan(steps: Step[], over: Partial<Plan> = {}): Plan {
  return neutralPlan(steps, "/nonexistent/project", over);
}

const labels = { team: "data-science" };

/** The Plan examples/wine/wine.ipynb should compile to (written by hand, as the compiler is built in parallel). */
export function winePlan(): Plan {
  const src = (index: number, id: string) => ({ file: "wine.ipynb", cells: [{ index, id }] });
  const common = { labels, source: src(5, "a2fd862b"), report: true };
  return makePlan(
    [
      makeStep("load_data", { ...common, outputs: ["df", "wine"], cells: ["a2fd862b", "244021ac"] }),
      makeStep("split", {
        ...common,
        source: src(7, "9ee45fa1"),
        after: ["load_data"],
        inputs: [{ name: "df", from: "load_data" }, { name: "wine", from: "load_data" }],
        outputs: ["X_test_s", "X_train_s", "y_test", "y_train"],
        parameters: ["SEED", "TEST_SIZE"],
      }),
      makeStep("train_lr", {
        ...common,
        source: src(8, "c05a8b88"),
        after: ["split"],
        inputs: [
          { name: "X_test_s", from: "split" }, { name: "X_train_s", from: "split" },
          { name: "y_test", from: "split" }, { name: "y_train", from: "split" },
        ],
        outputs: ["lr_acc"],
        parameters: ["C"],
        limits: { cpu: "500m", memory: "1Gi" },
      }),
      makeStep("train_rf", {
        ...common,
        source: src(9, "a11a116d"),
        after: ["split"],
        inputs: [
          { name: "X_test_s", from: "split" }, { name: "X_train_s", from: "split" },
          { name: "y_test", from: "split" }, { name: "y_train", from: "split" },
        ],
        outputs: ["rf_acc"],
        parameters: ["N_TREES", "SEED"],
      }),
      makeStep("compare", {
        ...common,
        source: src(10, "14f2e13b"),
        after: ["train_lr", "train_rf"],
        inputs: [{ name: "lr_acc", from: "train_lr" }, { name: "rf_acc", from: "train_rf" }],
        metrics: ["accuracy"],
      }),
    ],
    {
      name: "wine-classification",
      description: "Train and compare two wine classifiers",
      experiment: "wine",
      root: "/nonexistent/examples/wine",
      source: { file: "wine.ipynb", kind: "notebook" },
      parameters: [
        { name: "TEST_SIZE", type: "NUMBER_DOUBLE", default: 0.25, source: src(2, "6a6bdf8d") },
        { name: "SEED", type: "NUMBER_INTEGER", default: 42, source: src(2, "6a6bdf8d") },
        { name: "N_TREES", type: "NUMBER_INTEGER", default: 100, source: src(2, "6a6bdf8d") },
        { name: "C", type: "NUMBER_DOUBLE", default: 1.0, source: src(2, "6a6bdf8d") },
      ],
      metrics: [{ name: "accuracy", step: "compare" }],
    },
  );
}

const fakeDigest = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;

/** A build record with fixed fake digests (pushed) or local tags only (`pushed: false`). */
export function fakeRecord(plan: Plan, pushed = true): BuildRecord {
  const steps: BuildRecord["steps"] = {};
  for (const s of plan.steps) {
    const tag = `nbbuild/${plan.name}-${s.name.replace(/_/g, "-")}:${fakeDigest(s.name).slice(7, 19)}`;
    steps[s.name] = {
      image: pushed ? `127.0.0.1:5000/${tag.split(":")[0]}@${fakeDigest(s.name)}` : tag,
      tag,
      id: fakeDigest(`id-${s.name}`),
      ...(pushed ? { digest: fakeDigest(s.name) } : {}),
      cached: false,
      contentHash: fakeDigest(`content-${s.name}`).slice(7),
      dependencyHash: fakeDigest("deps").slice(7),
      requirements: [],
      base: "127.0.0.1:5000/nbbuild/python@" + fakeDigest("base"),
      seconds: 1,
    };
  }
  return { recordVersion: 1, plan: plan.name, engine: "docker", planHash: fakeDigest("plan").slice(7), steps };
}
