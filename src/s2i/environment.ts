/**
 * `.s2i/environment` in the source: `NAME=value` lines, `#` comments and blank lines, no quoting
 * (as the upstream s2i tool reads it). The values feed the build only; assemble never writes them.
 */
import { NbbuildError } from "../errors.js";

/** Parses an S2I environment file; a line without `=` or with a bad name is an error naming the line. */
export function parseEnvironmentFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const name = eq > 0 ? line.slice(0, eq).trim() : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw NbbuildError.at({ file: `${file}:${i + 1}` }, `not a NAME=value line: ${JSON.stringify(raw)}`, "write one NAME=value per line (no `export`, no quotes needed)");
    }
    out[name] = line.slice(eq + 1).trim();
  }
  return out;
}
