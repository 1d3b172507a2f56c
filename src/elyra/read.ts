/**
 * Reads the outer structure of an Elyra pipeline-flow v3 document: the primary pipeline, its
 * version, properties and nodes. Nothing here touches the file system; property meaning lives in
 * props.ts.
 */
import { NbbuildError } from "../errors.js";

/** pipeline-flow `app_data.version` values nbbuild reads (what Elyra 3.x/4.x writes). */
export const SUPPORTED_VERSIONS = [7, 8] as const;

/** Node ops nbbuild compiles. */
export const NOTEBOOK_OP = "execute-notebook-node";
export const PYTHON_OP = "execute-python-node";
export const R_OP = "execute-r-node";

/** A node as written in the file, before its properties are interpreted. */
export interface RawNode {
  id: string;
  /** Position in `nodes[]`: ties in the topological order follow it. */
  index: number;
  type: string;
  op: string;
  label: string;
  /** node_id_ref of every link on every input port, in file order, without duplicates. */
  links: string[];
  params: Record<string, unknown>;
}

/** The primary pipeline of a .pipeline file. */
export interface PipelineDoc {
  version: number;
  name?: string;
  description?: string;
  defaults: Record<string, unknown>;
  parameters: unknown[];
  nodes: RawNode[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/** Parses the text of a .pipeline file; structural problems (bad JSON, version) throw at once. */
export function readPipelineDoc(text: string, file: string): PipelineDoc {
  const fail = (message: string, fix: string): never => {
    throw NbbuildError.at({ file }, message, fix);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(
      `not valid JSON: ${(err as Error).message}`,
      "fix the JSON syntax, or save the pipeline again from Elyra's pipeline editor",
    );
  }
  if (!isObject(json)) fail("not an Elyra pipeline: the file is not a JSON object", "pass a .pipeline file written by Elyra's pipeline editor");
  const doc = json as Json;
  if (doc.doc_type !== "pipeline") {
    fail(
      `not an Elyra pipeline: doc_type is ${JSON.stringify(doc.doc_type ?? null)}, expected "pipeline"`,
      "pass a .pipeline file written by Elyra's pipeline editor",
    );
  }
  const pipelines = Array.isArray(doc.pipelines) ? doc.pipelines.filter(isObject) : [];
  if (pipelines.length === 0) fail("the file holds no pipeline (pipelines[] is empty)", "add nodes to the pipeline in Elyra's pipeline editor and save it");
  const primary = pipelines.find((p) => p.id !== undefined && p.id === doc.primary_pipeline) ?? pipelines[0];
  const appData = isObject(primary.app_data) ? primary.app_data : {};
  const version = Number(appData.version);
  if (!SUPPORTED_VERSIONS.includes(version as 7 | 8)) {
    const written = appData.version === undefined ? "no app_data.version" : `app_data.version ${JSON.stringify(appData.version)}`;
    const newer = Number.isFinite(version) && version > 8;
    fail(
      `unsupported pipeline version: the file has ${written}; nbbuild reads versions ${SUPPORTED_VERSIONS.join(" and ")}`,
      newer
        ? "save the pipeline with an Elyra release that writes version 7 or 8 (Elyra 3.x/4.x), or open an issue to add the new version"
        : "open the file in Elyra's pipeline editor (Elyra 3.x or later) and save it: the editor migrates it to version 8",
    );
  }
  const props = isObject(appData.properties) ? appData.properties : {};
  const nodesJson = Array.isArray(primary.nodes) ? primary.nodes : [];
  if (nodesJson.length === 0) fail("the pipeline has no nodes", "add notebook or Python script nodes in Elyra's pipeline editor and save it");
  return {
    version,
    name: str(props.name) ?? str(appData.name),
    description: str(props.description),
    defaults: isObject(props.pipeline_defaults) ? props.pipeline_defaults : {},
    parameters: Array.isArray(props.pipeline_parameters) ? props.pipeline_parameters : [],
    nodes: nodesJson.map((n, index) => readNode(n, index)),
  };
}

function readNode(value: unknown, index: number): RawNode {
  const node = isObject(value) ? value : {};
  const appData = isObject(node.app_data) ? node.app_data : {};
  const uiData = isObject(appData.ui_data) ? appData.ui_data : {};
  const params = isObject(appData.component_parameters) ? appData.component_parameters : {};
  const links: string[] = [];
  for (const port of Array.isArray(node.inputs) ? node.inputs : []) {
    if (!isObject(port) || !Array.isArray(port.links)) continue;
    for (const link of port.links) {
      const ref = isObject(link) ? str(link.node_id_ref) : undefined;
      if (ref && !links.includes(ref)) links.push(ref);
    }
  }
  const id = str(node.id) ?? `#${index}`;
  const filename = str(params.filename);
  const label = str(uiData.label) ?? str(appData.label) ?? (filename ? filename.split("/").pop()! : id);
  return { id, index, type: str(node.type) ?? "execution_node", op: str(node.op) ?? "", label, links, params };
}
