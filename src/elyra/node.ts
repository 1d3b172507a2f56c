/**
 * Checks one Elyra node against the file system: its kind, its file, its dependency patterns and
 * the pipeline parameters it names. Problems are reported, never thrown.
 */
import fs from "node:fs";
import path from "node:path";
import type { Parameter } from "../plan/types.js";
import { matchDependencies } from "./files.js";
import { readNodeProps, type Defaults, type NodeProps, type Report } from "./props.js";
import { NOTEBOOK_OP, PYTHON_OP, R_OP, type RawNode } from "./read.js";

/** A node whose file exists and whose properties are understood. */
export interface ResolvedNode {
  raw: RawNode;
  kind: "notebook" | "script";
  props: NodeProps;
  /** Node file relative to the pipeline root (POSIX). */
  file: string;
  /** Folder of the node file relative to the pipeline root ("." for the root itself). */
  dir: string;
  /** Files relative to `dir` that travel into the image: the node file plus its dependencies. */
  include: string[];
}

const toPosix = (p: string) => p.split(path.sep).join("/");

/** The kind of a node, or a report saying why nbbuild cannot run it. */
function nodeKind(raw: RawNode, report: Report): "notebook" | "script" | undefined {
  if (raw.type === "super_node") {
    report("supernodes are not supported yet", "move the supernode's nodes into the main pipeline (expand it in the pipeline editor)");
    return undefined;
  }
  if (raw.op === NOTEBOOK_OP) return "notebook";
  if (raw.op === PYTHON_OP) return "script";
  if (raw.op === R_OP) {
    report(`R script nodes (${R_OP}) are not supported yet`, "rewrite the step as a Python script or notebook node, or run this pipeline with Elyra");
  } else if (raw.op.includes(":") || raw.params.component_source !== undefined) {
    report(`catalog components (op "${raw.op}") are not supported yet`, "replace it with a notebook or Python script node that does the same work");
  } else {
    report(
      `unknown node type (op "${raw.op || "(none)"}")`,
      `nbbuild runs ${NOTEBOOK_OP} and ${PYTHON_OP} nodes; replace this node with one of those`,
    );
  }
  return undefined;
}

/** Resolves a node, or returns undefined after reporting why it cannot be used. */
export function resolveNode(
  raw: RawNode,
  root: string,
  pipelineFile: string,
  defaults: Defaults,
  parameters: Parameter[],
  report: Report,
): ResolvedNode | undefined {
  const kind = nodeKind(raw, report);
  const props = readNodeProps(raw.params, defaults, report);
  for (const name of props.parameters) {
    if (!parameters.some((p) => p.name === name)) {
      report(
        `pipeline parameter "${name}" is not declared by the pipeline`,
        `declare "${name}" in the pipeline properties (Pipeline Parameters), or remove it from the node`,
      );
    }
  }
  if (!kind) return undefined;
  const filename = props.filename;
  const ext = kind === "notebook" ? ".ipynb" : ".py";
  if (!filename) {
    report("no filename", `set the node's Filename property to a ${kind === "notebook" ? "notebook (.ipynb)" : "Python script (.py)"}`);
    return undefined;
  }
  const abs = path.resolve(root, filename);
  const file = toPosix(path.relative(root, abs));
  if (file.startsWith("../") || path.isAbsolute(file)) {
    report(
      `file "${filename}" is outside the folder of ${pipelineFile}`,
      `move the file into the folder that holds ${pipelineFile} (or a sub-folder) so it can be baked into the image`,
    );
    return undefined;
  }
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) {
    report(`file "${filename}" does not exist`, `fix the node's Filename (relative to the folder of ${pipelineFile}) or restore the file`);
    return undefined;
  }
  if (path.extname(abs).toLowerCase() !== ext) {
    report(
      `${kind === "notebook" ? "notebook" : "Python script"} node, but "${filename}" is not a ${ext} file`,
      kind === "notebook" ? "point the node at a .ipynb notebook, or use a Python script node" : "point the node at a .py script, or use a notebook node",
    );
    return undefined;
  }
  const absDir = path.dirname(abs);
  const dir = toPosix(path.relative(root, absDir)) || ".";
  const base = path.basename(abs);
  const { files, unmatched } = matchDependencies(absDir, [...props.dependencies, base], props.includeSubdirectories);
  for (const pattern of unmatched) {
    report(
      `dependency "${pattern}" matches no file in ${dir === "." ? "the pipeline's folder" : `"${dir}"`}`,
      `fix the pattern (it is relative to the node file's folder${props.includeSubdirectories ? "" : "; set include_subdirectories to look in sub-folders"}) or remove it`,
    );
  }
  return { raw, kind, props, file, dir, include: files };
}
