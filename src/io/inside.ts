import { realpathSync } from "node:fs";
import path from "node:path";

/** True when `target` (a real, absolute path) is `folder` or lies below it. */
export function isWithin(folder: string, target: string): boolean {
  const rel = path.relative(folder, target);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Where `file` really is, every symbolic link followed, relative to `folder`: "inside",
 * "outside" (nbbuild never reads it), or "missing".
 */
export function locate(folder: string, file: string): "inside" | "outside" | "missing" {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return "missing";
  }
  let root: string;
  try {
    root = realpathSync(folder);
  } catch {
    return "outside";
  }
  return isWithin(root, real) ? "inside" : "outside";
}
