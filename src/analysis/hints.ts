/** Literal file paths code appears to write or read (hints shown by `plan`; file-flow.ts passes them). */
import { pyStringValue } from "./literals.js";

const STR = String.raw`((?:[rRuU]?)(?:'[^'\n]*'|"[^"\n]*"))`;
const PATTERNS: RegExp[] = [
  // open('p', 'w') / open("p", mode="a")
  new RegExp(String.raw`\bopen\(\s*${STR}\s*,\s*(?:mode\s*=\s*)?['"][^'"]*[wax][^'"]*['"]`, "g"),
  // df.to_csv('p'), .to_parquet/.to_json/.to_pickle/.to_excel/.to_html, plt.savefig('p'), np.save('p', …)
  new RegExp(String.raw`\.(?:to_csv|to_parquet|to_json|to_pickle|to_excel|to_html|savefig|save|savez|savetxt|dump_model|save_model)\(\s*${STR}`, "g"),
];

/** The string literals `patterns` capture (group 1) in `source`, unique, in first-seen order. */
function literalPaths(source: string, patterns: RegExp[]): string[] {
  const found: { at: number; path: string }[] = [];
  for (const re of patterns) {
    for (const m of source.matchAll(re)) {
      const v = pyStringValue(m[1]!);
      if (v) found.push({ at: m.index ?? 0, path: v });
    }
  }
  return [...new Set(found.sort((a, b) => a.at - b.at).map((f) => f.path))];
}

/** Literal paths written with open(…, 'w'), to_csv('…'), savefig('…') and friends, in first-seen order. */
export function fileHints(source: string): string[] {
  return literalPaths(source, PATTERNS);
}

const READS: RegExp[] = [
  // open('p') / open('p', 'r') / open('p', 'rb')
  new RegExp(String.raw`\bopen\(\s*${STR}\s*(?:\)|,\s*(?:mode\s*=\s*)?['"][^'"wax]*['"])`, "g"),
  // pd.read_csv('p') and friends, np.load/loadtxt/genfromtxt('p'), joblib/pickle-style load('p'), plt.imread('p')
  new RegExp(String.raw`\.(?:read_csv|read_parquet|read_json|read_pickle|read_excel|read_table|read_feather|read_hdf|load|loadtxt|genfromtxt|imread|load_model)\(\s*${STR}`, "g"),
];

/** Literal paths read with open('…'), read_csv('…'), np.load('…') and friends, in first-seen order. */
export function fileReads(source: string): string[] {
  return literalPaths(source, READS);
}
