import { createHash } from "node:crypto";

/** Hex sha256 of bytes or text. */
export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Hex sha256 of a JSON value with object keys sorted (stable across runs and machines). */
export function hashJson(value: unknown): string {
  return sha256(stableJson(value));
}

/** JSON text with object keys sorted at every level. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !Buffer.isBuffer(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
