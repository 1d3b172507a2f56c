/**
 * Names in the KFP IR, sanitised exactly like the KFP SDK (kfp/dsl/utils.py `maybe_rename_for_k8s`):
 * lower-case, every run of characters outside [-0-9a-z] becomes one '-', runs of '-' collapse,
 * leading/trailing '-' go.
 */
import { k8sName } from "../plan/k8s-names.js";

export { k8sName };

/** Root DAG task key and taskInfo.name of a step. */
export const taskName = (step: string): string => k8sName(step);
/** Key of a step's component in `components`. */
export const componentName = (step: string): string => `comp-${k8sName(step)}`;
/** Key of a step's executor in `deploymentSpec.executors`. */
export const executorLabel = (step: string): string => `exec-${k8sName(step)}`;

/** Pipeline name as the SDK requires it (`^[a-z0-9][a-z0-9-]{0,127}$`), derived from any string. */
export function pipelineName(name: string): string {
  const n = k8sName(name).slice(0, 128).replace(/-+$/, "");
  return n || "pipeline";
}
