/** Literal file paths code appears to write (a hint shown by `plan`, never a contract). */
import { pyStringValue } from "./literals.js";

const STR = String.raw`((?:[rRuU]?)(?:'[^'\n]*'|"[^"\n]*"))`;
const PATTERNS: RegExp[] = [
  // open('p', 'w') / open("p", mode="a")
  new RegExp(String.raw`\bopen\(\s*${STR}\s*,\s*(?:mode\s*=\s*)?['"][^'"]*[wax][^'"]*['"]`, "g"),
  // df.to_csv('p'), .to_parquet/.to_json/.to_pickle/.to_excel/.to_html, plt.savefig('p'), np.save('p', …)
  new RegExp(String.raw`\.(?:to_csv|to_parquet|to_json|to_pickle|to_excel|to_html|savefig|save|savez|savetxt|dump_model|save_model)\(\s*${STR}`, "g"),
];

/** Literal paths written with open(…, 'w'), to_csv('…'), savefig('…') and friends, in first-seen order. */
export function fileHints(source: string): string[] {
  const found: { at: number; path: string }[] = [];
  for (const re of PATTERNS) {
    for (const m of source.matchAll(re)) {
      const v = pyStringValue(m[1]!);
      if (v) found.push({ at: m.index ?? 0, path: v });
    }
  }
  return [...new Set(found.sort((a, b) => a.at - b.at).map((f) => f.path))];
}
