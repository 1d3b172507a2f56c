import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { NbbuildError } from "../../../src/errors.js";
import { planElyraPipelineWith } from "../../../src/elyra/plan-pipeline.js";
import { cleanTemps, tempDir } from "../../support/temp.js";
import { fakeCompile } from "./fake-compiler.js";

afterAll(cleanTemps);

const ERR = path.resolve(import.meta.dirname, "../../fixtures/elyra/errors");

/** Plans a fixture that must fail; returns the one error's text (every problem, as the CLI prints it). */
async function failure(name: string, compile = fakeCompile): Promise<NbbuildError> {
  try {
    await planElyraPipelineWith(path.join(ERR, `${name}.pipeline`), {}, compile);
  } catch (err) {
    expect(err).toBeInstanceOf(NbbuildError);
    return err as NbbuildError;
  }
  throw new Error(`${name}.pipeline planned without an error`);
}

describe("errors name the .pipeline file, the node id and label, and the fix", () => {
  test("invalid JSON", async () => {
    expect((await failure("invalid-json")).message).toBe(
      "invalid-json.pipeline: not valid JSON: Unexpected end of JSON input\n" +
        "  fix: fix the JSON syntax, or save the pipeline again from Elyra's pipeline editor",
    );
  });

  test("not a pipeline document", async () => {
    expect((await failure("not-a-pipeline")).message).toBe(
      'not-a-pipeline.pipeline: not an Elyra pipeline: doc_type is "component", expected "pipeline"\n' +
        "  fix: pass a .pipeline file written by Elyra's pipeline editor",
    );
  });

  test("unsupported versions are named, older and newer", async () => {
    expect((await failure("version-6")).message).toBe(
      "version-6.pipeline: unsupported pipeline version: the file has app_data.version 6; nbbuild reads versions 7 and 8\n" +
        "  fix: open the file in Elyra's pipeline editor (Elyra 3.x or later) and save it: the editor migrates it to version 8",
    );
    expect((await failure("version-9")).message).toBe(
      "version-9.pipeline: unsupported pipeline version: the file has app_data.version 9; nbbuild reads versions 7 and 8\n" +
        "  fix: save the pipeline with an Elyra release that writes version 7 or 8 (Elyra 3.x/4.x), or open an issue to add the new version",
    );
  });

  test("link to a missing node", async () => {
    const err = await failure("missing-link");
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0].location).toEqual({ file: "missing-link.pipeline", nodeId: "b" });
    expect(err.message).toBe(
      'missing-link.pipeline#node b: node "second": linked to node "ghost-node", which is not in the pipeline\n' +
        '  fix: reconnect the node in the pipeline editor, or remove the link with node_id_ref "ghost-node" from its inputs',
    );
  });

  test("cycle, printed", async () => {
    expect((await failure("cycle")).message).toBe(
      'cycle.pipeline#node a: node "alpha": nodes form a cycle: "alpha" → "beta" → "gamma" → "alpha"\n' +
        "  fix: remove one of these links so the pipeline has no loop",
    );
  });

  test("missing file, missing filename, wrong kind, outside the folder: all reported at once", async () => {
    expect((await failure("missing-file")).message).toBe(
      [
        'missing-file.pipeline#node a: node "gone": file "nowhere/missing.ipynb" does not exist',
        "  fix: fix the node's Filename (relative to the folder of missing-file.pipeline) or restore the file",
        'missing-file.pipeline#node b: node "nameless": no filename',
        "  fix: set the node's Filename property to a Python script (.py)",
        'missing-file.pipeline#node c: node "wrong kind": notebook node, but "ok.py" is not a .ipynb file',
        "  fix: point the node at a .ipynb notebook, or use a Python script node",
        'missing-file.pipeline#node d: node "outside": file "../outside.py" is outside the folder of missing-file.pipeline',
        "  fix: move the file into the folder that holds missing-file.pipeline (or a sub-folder) so it can be baked into the image",
      ].join("\n"),
    );
  });

  test("R nodes, catalog components and unknown ops", async () => {
    expect((await failure("unknown-node")).message).toBe(
      [
        'unknown-node.pipeline#node r: node "R analysis": R script nodes (execute-r-node) are not supported yet',
        "  fix: rewrite the step as a Python script or notebook node, or run this pipeline with Elyra",
        'unknown-node.pipeline#node cat: node "Download data": catalog components (op "url-catalog:5a9b3c") are not supported yet',
        "  fix: replace it with a notebook or Python script node that does the same work",
        'unknown-node.pipeline#node odd: node "Julia": unknown node type (op "execute-julia-node")',
        "  fix: nbbuild runs execute-notebook-node and execute-python-node nodes; replace this node with one of those",
      ].join("\n"),
    );
  });

  test("dependency patterns that match nothing", async () => {
    expect((await failure("bad-dependency")).message).toBe(
      [
        'bad-dependency.pipeline#node a: node "deps": dependency "data/*.csv" matches no file in the pipeline\'s folder',
        "  fix: fix the pattern (it is relative to the node file's folder; set include_subdirectories to look in sub-folders) or remove it",
        'bad-dependency.pipeline#node a: node "deps": dependency "missing.txt" matches no file in the pipeline\'s folder',
        "  fix: fix the pattern (it is relative to the node file's folder; set include_subdirectories to look in sub-folders) or remove it",
      ].join("\n"),
    );
  });

  test("bad properties and parameters", async () => {
    expect((await failure("bad-properties")).message).toBe(
      [
        'bad-properties.pipeline: pipeline parameter "class" is not a valid name',
        "  fix: use a Python identifier that is not a keyword (letters, digits, _)",
        'bad-properties.pipeline: pipeline parameter "n": default "many" is not an Integer',
        "  fix: write an Integer default value",
        'bad-properties.pipeline: pipeline parameter "need" (Float, required) has no default value',
        "  fix: give it a default value in the pipeline properties; nbbuild needs one to type and run the pipeline",
        'bad-properties.pipeline#node a: node "props": kubernetes_secrets: secret name "Bad_Name" is not a valid Kubernetes resource name',
        "  fix: use lowercase letters, digits, '-' and '.'",
        'bad-properties.pipeline#node a: node "props": memory is "lots", not a positive number',
        "  fix: set memory to a number greater than zero, or clear it",
        'bad-properties.pipeline#node a: node "props": cpu_limit (2) is lower than cpu (4)',
        "  fix: raise cpu_limit to at least cpu, or lower cpu",
        'bad-properties.pipeline#node a: node "props": mounted_volumes entry {"path":"/data","pvc_name":""} has no persistent volume claim name',
        "  fix: set pvc_name to an existing PVC",
        'bad-properties.pipeline#node a: node "props": kubernetes_tolerations entry {"key":"","operator":"Equal","value":"x","effect":""}: operator Equal needs a key',
        "  fix: set a key, or use operator Exists",
        'bad-properties.pipeline#node a: node "props": pipeline parameter "undeclared" is not declared by the pipeline',
        '  fix: declare "undeclared" in the pipeline properties (Pipeline Parameters), or remove it from the node',
      ].join("\n"),
    );
  });

  test("a node notebook that fails to compile passes the compiler's problems through, naming the node", async () => {
    const err = await failure("bad-tag");
    expect(err.problems).toEqual([
      {
        location: { file: "bad-tag.ipynb", cellIndex: 1, cellId: "c01", nodeId: "nb" },
        message: 'node "tagged badly" of bad-tag.pipeline: unknown tag "stepp:two"',
        fix: "use a Kale tag",
      },
    ]);
    expect(err.message).toBe(
      'bad-tag.ipynb#cell 1 (id c01)#node nb: node "tagged badly" of bad-tag.pipeline: unknown tag "stepp:two"\n  fix: use a Kale tag',
    );
  });

  test("a compiler crash (not an NbbuildError) becomes a problem naming the node", async () => {
    const crash = async () => {
      throw new Error("boom");
    };
    expect((await failure("bad-notebook", crash)).message).toBe(
      'bad-notebook.pipeline#node nb: node "broken notebook": could not compile notebook "ok.ipynb": boom\n' +
        "  fix: run `nbbuild plan ok.ipynb` on the notebook alone to see the problem",
    );
  });

  test("a missing .pipeline file", async () => {
    await expect(planElyraPipelineWith(path.join(ERR, "nope.pipeline"), {}, fakeCompile)).rejects.toThrow(
      /^nope\.pipeline: pipeline file not found: .*nope\.pipeline\n {2}fix: check the path of the \.pipeline file$/,
    );
  });

  test("duplicate node ids and a self-link", async () => {
    const dir = tempDir("elyra-dup-");
    fs.copyFileSync(path.join(ERR, "cycle.pipeline"), path.join(dir, "dup.pipeline"));
    fs.writeFileSync(path.join(dir, "ok.py"), "print(1)\n");
    const doc = JSON.parse(fs.readFileSync(path.join(dir, "dup.pipeline"), "utf8"));
    const nodes = doc.pipelines[0].nodes;
    nodes[2].id = "a"; // beta takes alpha's id
    nodes[0].inputs[0].links = [{ id: "l", node_id_ref: "start", port_id_ref: "outPort" }];
    fs.writeFileSync(path.join(dir, "dup.pipeline"), JSON.stringify(doc));
    const err = await planElyraPipelineWith(path.join(dir, "dup.pipeline"), {}, fakeCompile).catch((e: NbbuildError) => e);
    expect((err as NbbuildError).message.split("\n")[0]).toBe('dup.pipeline#node a: node "beta": id "a" is also the id of an earlier node');
    expect((err as NbbuildError).message).toContain('node "start": nodes form a cycle: "start" → "start"');
  });
});
