import { describe, expect, it } from "vitest";
import { resolveFlow, type FlowStep } from "../../../src/analysis/flow.js";
import { analyzeNames } from "../../../src/analysis/names.js";

const mut = (src: string) => {
  const f = analyzeNames(src);
  return { mutates: [...f.mutates].sort(), defines: [...f.defines].sort(), reads: [...f.reads].sort() };
};

describe("method-call mutation heuristic on common data-science code", () => {
  it("pandas inplace calls mutate the frame", () => {
    expect(mut("df.dropna(inplace=True)\n").mutates).toEqual(["df"]);
    expect(mut("df.fillna(0, inplace=True)\n").mutates).toEqual(["df"]);
    expect(mut('df.drop(columns=["a"], inplace=True)\n').mutates).toEqual(["df"]);
    expect(mut("df.reset_index(drop=True, inplace=True)\n").mutates).toEqual(["df"]);
  });
  it("the same pandas calls without inplace (or inplace=False) return a copy and mutate nothing", () => {
    expect(mut("df.dropna()\ndf.fillna(0)\ndf.drop(columns=['a'])\ndf.sort_values('a', inplace=False)\n")).toEqual({ mutates: [], defines: [], reads: ["df"] });
  });
  it("inplace on a column or attribute mutates the frame it belongs to", () => {
    expect(mut('df["age"].fillna(0, inplace=True)\n').mutates).toEqual(["df"]);
    expect(mut("df.age.fillna(0, inplace=True)\n").mutates).toEqual(["df"]);
    expect(mut('df["age"].mean()\n').mutates).toEqual([]);
  });
  it("model.fit mutates the model, as a statement and inside an expression", () => {
    expect(mut("model.fit(X, y)\n").mutates).toEqual(["model"]);
    expect(mut("m2 = model.fit(X, y)\n")).toEqual({ mutates: ["model"], defines: ["m2", "model"], reads: ["X", "model", "y"] });
    expect(mut("Xt = scaler.fit_transform(X)\n").mutates).toEqual(["scaler"]);
    expect(mut("acc = model.fit(X, y).score(X, y)\n").mutates).toEqual(["model"]);
    expect(mut('pipe.named_steps["clf"].fit(X, y)\n').mutates).toEqual(["pipe"]);
  });
  it("container methods mutate: append, update, sort, pop (also inside an expression)", () => {
    expect(mut("lst.append(1)\n").mutates).toEqual(["lst"]);
    expect(mut("d.update(e)\n").mutates).toEqual(["d"]);
    expect(mut("arr.sort()\n").mutates).toEqual(["arr"]);
    expect(mut("last = stack.pop()\n").mutates).toEqual(["stack"]);
    expect(mut("seen.add(x)\n").mutates).toEqual(["seen"]);
    // pandas arithmetic returns a new frame
    expect(mut("total = df.add(other)\n").mutates).toEqual([]);
  });
  it("looking at data never mutates it", () => {
    expect(mut("df.head()\ndf.describe()\ndf.info()\nprint(df.head())\ndisplay(df)\ny = model.predict(X)\n").mutates).toEqual([]);
  });
  it("plotting calls are not data mutations; modules imported here are never data", () => {
    expect(mut("plt.plot(x)\nplt.show()\n").mutates).toEqual([]);
    expect(mut("import random\nimport seaborn as sns\nrandom.seed(0)\nsns.set_theme()\n").mutates).toEqual([]);
  });
  it("a name bound earlier in the same code is changed in place, not read from outside", () => {
    expect(mut("model = LR()\nmodel.fit(X, y)\n")).toEqual({ mutates: [], defines: ["model"], reads: ["LR", "X", "y"] });
  });
});

/** Flow over steps given as (name, after, source), in notebook order. */
function flow(steps: [string, string[], string][]) {
  const fs: FlowStep[] = steps.map(([name, after, src]) => ({
    name,
    after,
    flow: analyzeNames(src),
    shared: new Set(["LogisticRegression", "StandardScaler", "plt"]),
    sharedFree: {},
    params: new Set(),
    locate: (line) => ({ file: "nb.ipynb", line }),
  }));
  const r = resolveFlow(fs);
  return Object.fromEntries(steps.map(([n]) => [n, { inputs: r.inputs.get(n)!.map((i) => `${i.name}<-${i.from}`), outputs: r.outputs.get(n)!, after: r.after.get(n)! }]));
}

describe("a mutation in a later step is a new version for its descendants", () => {
  it("model.fit in step train: evaluate reads the fitted model from train, not the unfitted one", () => {
    const r = flow([
      ["make", [], "model = LogisticRegression()\nX = [[0], [1]]\ny = [0, 1]\n"],
      ["train", ["make"], "model.fit(X, y)\n"],
      ["evaluate", ["train"], "acc = model.score(X, y)\n"],
    ]);
    expect(r["train"]!.inputs).toEqual(["model<-make", "X<-make", "y<-make"]);
    expect(r["evaluate"]!.inputs).toEqual(["model<-train", "X<-make", "y<-make"]);
    expect(r["make"]!.outputs).toEqual(["X", "model", "y"]);
    expect(r["train"]!.outputs).toEqual(["model"]);
  });
  it("fit_transform inside an assignment: the fitted scaler travels to the step that transforms test data", () => {
    const r = flow([
      ["prep", [], "scaler = StandardScaler()\nX_train = [[1.0]]\nX_test = [[2.0]]\n"],
      ["fit", ["prep"], "X_train_s = scaler.fit_transform(X_train)\n"],
      ["apply", ["fit"], "X_test_s = scaler.transform(X_test)\n"],
    ]);
    expect(r["apply"]!.inputs).toEqual(["scaler<-fit", "X_test<-prep"]);
  });
  it("df.dropna(inplace=True) makes a new df; df.dropna() alone does not", () => {
    const r = flow([
      ["load", [], "df = make()\n"],
      ["clean", ["load"], "df.dropna(inplace=True)\ndf.head()\n"],
      ["peek", ["clean"], "df.dropna()\n"],
      ["use", ["peek"], "n = len(df)\n"],
    ]);
    expect(r["use"]!.inputs).toEqual(["df<-clean"]);
    expect(r["peek"]!.outputs).toEqual([]);
  });
  it("plt calls in a step never make plt data", () => {
    const r = flow([
      ["a", [], "x = [1, 2]\nplt.plot(x)\nplt.title('x')\n"],
      ["b", ["a"], "plt.plot(x)\n"],
    ]);
    expect(r["b"]!.inputs).toEqual(["x<-a"]);
    expect(r["a"]!.outputs).toEqual(["x"]);
  });
});

describe("changing objects through a loop variable", () => {
  it("`data = [train, test]; for d in data: d[...] = …` mutates train and test (the Titanic pattern)", () => {
    const r = mut('data = [train_df, test_df]\nfor dataset in data:\n    dataset["relatives"] = dataset["SibSp"] + dataset["Parch"]\n');
    expect(r.mutates).toEqual(["test_df", "train_df"]);
    expect(r.defines).toEqual(["data", "dataset", "test_df", "train_df"]);
  });
  it("a literal list or tuple of names, with inplace calls", () => {
    expect(mut("for d in [a, b]:\n    d.fillna(0, inplace=True)\n").mutates).toEqual(["a", "b"]);
    expect(mut("for d in (a, b):\n    d.dropna(inplace=True)\n").mutates).toEqual(["a", "b"]);
  });
  it("fitting every model of a list mutates the list", () => {
    expect(mut("for m in models:\n    m.fit(X, y)\n").mutates).toEqual(["models"]);
  });
  it("only reading the loop variable mutates nothing; a rebound container forgets its items", () => {
    expect(mut("for d in [a, b]:\n    print(d.head())\n").mutates).toEqual([]);
    expect(mut('data = [a, b]\ndata = load()\nfor d in data:\n    d["x"] = 1\n').mutates).toEqual([]);
  });
  it("in a later step, the loop's targets are new versions for descendants", () => {
    const r = flow([
      ["load", [], "train_df = make()\ntest_df = make()\n"],
      ["prep", ["load"], "data = [train_df, test_df]\nfor dataset in data:\n    dataset['Age'] = dataset['Age'].fillna(0)\n"],
      ["model", ["prep"], "X = train_df.drop('y', axis=1)\nT = test_df\n"],
    ]);
    expect(r["model"]!.inputs).toEqual(["train_df<-prep", "test_df<-prep"]);
  });
});
