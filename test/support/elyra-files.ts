/**
 * Writers of small Elyra `.pipeline` files and plain notebooks for tests, shaped as Elyra's
 * pipeline editor saves them (pipeline-flow v3, pipeline version 8).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";

/** One node: its label (the step name), file, and optional runtime image and upstream nodes. */
export interface NodeSpec {
  label: string;
  file: string;
  runtimeImage?: string;
  after?: string[];
}

/** Writes `<dir>/<name>.pipeline` with the given nodes (ids `n-<label>`); returns its path. */
export function writeElyraPipeline(dir: string, name: string, nodes: NodeSpec[]): string {
  const port = (id: string, label: string) => ({ id, app_data: { ui_data: { cardinality: { min: 0, max: -1 }, label } } });
  const doc = {
    doc_type: "pipeline",
    version: "3.0",
    json_schema: "http://api.dataplatform.ibm.com/schemas/common-pipeline/pipeline-flow/pipeline-flow-v3-schema.json",
    id: "elyra-auto-generated-pipeline",
    primary_pipeline: "primary",
    pipelines: [{
      id: "primary",
      nodes: nodes.map((n) => ({
        id: `n-${n.label}`,
        type: "execution_node",
        op: n.file.endsWith(".ipynb") ? "execute-notebook-node" : "execute-python-node",
        app_data: {
          component_parameters: {
            filename: n.file,
            ...(n.runtimeImage ? { runtime_image: n.runtimeImage } : {}),
            outputs: [],
            dependencies: [],
            include_subdirectories: false,
          },
          label: "",
          ui_data: { label: n.label, x_pos: 100, y_pos: 100, description: "node" },
        },
        inputs: [{
          ...port("inPort", "Input Port"),
          ...(n.after?.length ? { links: n.after.map((a) => ({ id: `link-${a}-${n.label}`, node_id_ref: `n-${a}`, port_id_ref: "outPort" })) } : {}),
        }],
        outputs: [port("outPort", "Output Port")],
      })),
      app_data: { ui_data: { comments: [] }, version: 8, runtime_type: "KUBEFLOW_PIPELINES", properties: { name } },
      runtime_ref: "",
    }],
    schemas: [],
  };
  const file = path.join(dir, `${name}.pipeline`);
  writeFileSync(file, JSON.stringify(doc, null, 1));
  return file;
}

/** Writes a notebook of untagged code cells (one source string each); returns its path. */
export function writeNotebook(dir: string, name: string, cells: string[]): string {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" }, language_info: { name: "python" } },
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  };
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}
