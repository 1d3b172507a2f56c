import fs from "node:fs";
import path from "node:path";
import { systemWriteError } from "../errors.js";

/** Writes text to `file` atomically (temporary file in the same folder, then rename); `mode` e.g. 0o600 for secrets. */
export function writeFileAtomic(file: string, text: string, mode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
    if (mode !== undefined) fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw systemWriteError(e, file) ?? e;
  }
}
