/** Where a step came from, as an error Location (first cell of the step, or its Elyra node). */
import type { Location } from "../errors.js";
import type { Step } from "../plan/types.js";

/** The Location an error about `step` points at. */
export function stepLocation(step: Step): Location {
  const cell = step.source.cells?.[0];
  return {
    file: step.source.file,
    ...(cell ? { cellIndex: cell.index, cellId: cell.id } : {}),
    ...(step.source.node ? { nodeId: step.source.node } : {}),
  };
}
