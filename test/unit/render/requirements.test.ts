import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import {
  distributionOf,
  importRequirements,
  isStdlib,
  localModules,
  scanImportPaths,
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

describe("local modules", () => {
  it("names the folder's modules and packages, and .py files the code writes", () => {
    const local = localModules([
      "utils.py",
      "helpers/__init__.py",
      "nsproj/sub/mod.py",
      "fast.cpython-311-x86_64-linux-gnu.so",
      "./written.py",
      "data/wine.csv",
      "requirements.txt",
      "notes/readme.md",
      "/abs/elsewhere.py",
      "../up.py",
      "my-script.py",
    ]);
    expect([...local].sort()).toEqual(["fast", "helpers", "nsproj", "utils", "written"]);
  });

  it("never maps local or relative imports to requirements", () => {
    const src = [
      "import utils",
      "from helpers.plots import draw",
      "from . import sibling",
      "from .relative import thing",
      "from ..parent import other",
      "import written as w",
      "import data",
      "import pandas",
    ].join("\n");
    const paths = scanImportPaths(src);
    expect(paths.some((p) => p.startsWith(".") || p.includes("sibling") || p.includes("relative") || p.includes("parent"))).toBe(false);
    const local = localModules(["utils.py", "helpers/__init__.py", "helpers/plots.py", "written.py", "data/x.csv"]);
    // `data/` holds no Python: `import data` is a distribution, not the folder.
    expect(importRequirements(paths, local).map((r) => r.distribution)).toEqual(["data", "pandas"]);
  });
});

describe("common data-science imports", () => {
  it.each([
    ["import seaborn as sns", "seaborn"],
    ["import xgboost as xgb", "xgboost"],
    ["import lightgbm as lgb", "lightgbm"],
    ["import torch.nn as nn", "torch"],
    ["import tensorflow as tf", "tensorflow"],
    ["import statsmodels.api as sm", "statsmodels"],
    ["from scipy import stats", "scipy"],
    ["import plotly.express as px", "plotly"],
    ["from tqdm.auto import tqdm", "tqdm"],
    ["import joblib", "joblib"],
    ["import requests", "requests"],
    ["from sqlalchemy import create_engine", "SQLAlchemy"],
    ["import pyarrow.parquet as pq", "pyarrow"],
    ["import cv2", "opencv-python-headless"],
    ["from PIL import Image", "Pillow"],
    ["import yaml", "PyYAML"],
    ["from bs4 import BeautifulSoup", "beautifulsoup4"],
    ["from sklearn.ensemble import RandomForestClassifier", "scikit-learn"],
    ["from skimage import io", "scikit-image"],
    ["from dateutil.parser import parse", "python-dateutil"],
    ["from dotenv import load_dotenv", "python-dotenv"],
    ["from google.cloud import storage", "google-cloud-storage"],
    ["import google.cloud.storage", "google-cloud-storage"],
    ["from google.cloud.bigquery import Client", "google-cloud-bigquery"],
    ["from google.cloud import secretmanager", "google-cloud-secret-manager"],
    ["from google.protobuf import json_format", "protobuf"],
    ["from google.oauth2 import service_account", "google-auth"],
    ["from azure.storage.blob import BlobServiceClient", "azure-storage-blob"],
    ["import boto3", "boto3"],
    ["import attr", "attrs"],
    ["from imblearn.over_sampling import SMOTE", "imbalanced-learn"],
    ["import umap", "umap-learn"],
    ["import snowflake.connector", "snowflake-connector-python"],
    ["from mpl_toolkits.mplot3d import Axes3D", "matplotlib"],
  ])("%s → %s", (line, dist) => {
    expect(importRequirements(scanImportPaths(line)).map((r) => r.distribution)).toEqual([dist]);
  });

  it("names one entry per distribution and none for a bare namespace package", () => {
    const reqs = importRequirements(scanImportPaths("import google\nfrom google.auth import default\nfrom google.oauth2 import credentials"));
    expect(reqs).toEqual([{ module: "google.auth", distribution: "google-auth" }]);
    expect(distributionOf("google.colab")).toBeUndefined();
  });

  it("does not let an open parenthesis outside an import swallow the next import", () => {
    expect(scanImports('s = "("\nimport requests\nx = f(\n  1)\nimport joblib')).toEqual(["joblib", "requests"]);
  });

  it("reads parenthesised and continued from-imports", () => {
    const src = "from google.cloud import (\n    storage,\n    bigquery,\n)\nfrom os import \\\n  path\nimport numpy";
    expect(importRequirements(scanImportPaths(src)).map((r) => r.distribution)).toEqual(["google-cloud-bigquery", "google-cloud-storage", "numpy"]);
  });
});

describe("standard library", () => {
  it("knows modules of 3.8–3.12, including ones 3.11 removed and private ones", () => {
    for (const m of ["asyncio", "tomllib", "zoneinfo", "graphlib", "distutils", "imp", "asynchat", "binhex", "formatter", "parser", "symbol", "dummy_threading", "_thread", "__future__", "os.path", "xml.etree.ElementTree"]) {
      expect(isStdlib(m), m).toBe(true);
    }
    for (const m of ["numpy", "_pytest", "setuptools", "pip", "yaml"]) expect(isStdlib(m), m).toBe(false);
  });

  let names: string[] = [];
  try {
    const out = execFileSync("python3", ["-c", "import sys; print(sys.version_info[:2] >= (3, 10) and ' '.join(sorted(sys.stdlib_module_names)) or '')"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    names = out.trim().split(" ").filter(Boolean);
  } catch {
    /* no python3 here */
  }
  it.skipIf(names.length === 0)("covers sys.stdlib_module_names of the host's python3", () => {
    expect(names.filter((n) => !isStdlib(n))).toEqual([]);
  });
});
