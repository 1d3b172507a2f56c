import { describe, expect, it } from "vitest";
import {
  importRequirements,
  mergeRequirements,
  parseRequirementsTxt,
  requirementName,
  scanImports,
} from "../../../src/render/requirements.js";

describe("scanImports", () => {
  it("finds top-level modules of import and from-import statements", () => {
    const src = [
      "import pandas as pd, numpy",
      "from sklearn.model_selection import train_test_split",
      "import os.path",
      "from . import sibling",
      "def f():",
      "    import yaml",
      "x = 'import notamodule'",
    ].join("\n");
    expect(scanImports(src)).toEqual(["numpy", "os", "pandas", "sklearn", "yaml"]);
  });

  it("skips imports guarded by try (optional dependencies) and text in triple-quoted strings", () => {
    const src = [
      "try:",
      "    import pyarrow",
      "except ImportError:",
      "    pyarrow = None",
      'doc = """',
      "import fake_in_docstring",
      '"""',
      "import requests",
    ].join("\n");
    expect(scanImports(src)).toEqual(["requests"]);
  });
});

describe("importRequirements", () => {
  it("maps import names to distributions and drops stdlib and local modules", () => {
    const reqs = importRequirements(["sklearn", "cv2", "yaml", "PIL", "bs4", "json", "os", "helpers", "torch"], new Set(["helpers"]));
    expect(reqs).toEqual([
      { module: "PIL", distribution: "Pillow" },
      { module: "bs4", distribution: "beautifulsoup4" },
      { module: "cv2", distribution: "opencv-python-headless" },
      { module: "sklearn", distribution: "scikit-learn" },
      { module: "torch", distribution: "torch" },
      { module: "yaml", distribution: "PyYAML" },
    ]);
  });
});

describe("requirements files", () => {
  it("keeps requirement lines, reports options, joins continuations", () => {
    const { requirements, options } = parseRequirementsTxt(
      "# comment\npandas>=1.5  # inline\n\n--index-url http://x/simple\nscikit-learn \\\n  ==1.2.1\nfoo @ https://h/foo.whl\n",
    );
    expect(requirements).toEqual(["pandas>=1.5", "scikit-learn ==1.2.1", "foo @ https://h/foo.whl"]);
    expect(options).toEqual(["--index-url http://x/simple"]);
  });

  it("normalises names and merges deterministically", () => {
    expect(requirementName("Scikit_Learn[alldeps]>=1")).toBe("scikit-learn");
    expect(requirementName("foo @ https://h/foo.whl")).toBe("foo");
    expect(requirementName("https://h/foo.whl")).toBeUndefined();
    expect(mergeRequirements(["b", "a"], ["a", " c "])).toEqual(["a", "b", "c"]);
  });
});
