/**
 * Which wheels an image can install, read from its layers and config without running it: the
 * `python3` its PATH finds (version and path, for shebangs), its C library (manylinux/musllinux
 * tags) and its architecture. Gives the interpreter tags `pip download --platform …` takes.
 */
import path from "node:path";
import type { WheelTarget } from "../host-pip.js";
import type { PythonFacts } from "./python-facts.js";

/** The interpreter an image runs as `python3`, and the wheel tags it accepts. */
export interface ImagePython {
  /** Path of `python3` in the image (`/usr/bin/python3`): the shebang of installed scripts. */
  python: string;
  target: WheelTarget;
  /** Human description (`CPython 3.11, manylinux_2_36_x86_64`). */
  describe: string;
}

/** OCI architecture → the machine name wheel platform tags use. */
const MACHINE: Record<string, string> = { amd64: "x86_64", arm64: "aarch64", ppc64le: "ppc64le", s390x: "s390x", "386": "i686", arm: "armv7l" };

/** The machine name of an OCI architecture (`amd64` → `x86_64`). */
export const machineOf = (architecture: string) => MACHINE[architecture] ?? architecture;

/** The `python3` a PATH finds in the image, following links, with its version; undefined when none. */
export function findPython(facts: Pick<PythonFacts, "interpreters" | "pythonVersions">, pathVar: string): { python: string; version: string } | undefined {
  const byPath = new Map(facts.interpreters.map((i) => [i.path, i]));
  for (const dir of pathVar.split(":").filter((d) => d.startsWith("/"))) {
    const python = path.posix.join(dir, "python3");
    let at = byPath.get(python);
    // A link chain (venv python3 → python → /usr/bin/python3.11); a bounded walk.
    for (let hops = 0; at?.target !== undefined && hops < 8; hops++) {
      const version = /python(3\.\d+)$/.exec(at.target)?.[1];
      if (version) return { python, version };
      at = byPath.get(path.posix.resolve(path.posix.dirname(at.path), at.target));
    }
    if (at) {
      const version = /python(3\.\d+)$/.exec(at.path)?.[1] ?? (facts.pythonVersions.length === 1 ? facts.pythonVersions[0] : undefined);
      return version ? { python, version } : undefined;
    }
  }
  return undefined;
}

/** Platform tags a C library accepts, most specific first (pip's own expansion of manylinux). */
export function platformTags(libc: PythonFacts["libc"], machine: string): string[] {
  const tags: string[] = [];
  if (libc?.family === "glibc" && libc.version) {
    const minor = Number(libc.version.split(".")[1]);
    const legacy = machine === "x86_64" || machine === "i686";
    for (let m = minor; m >= (legacy ? 5 : 17); m--) {
      tags.push(`manylinux_2_${m}_${machine}`);
      if (m === 17) tags.push(`manylinux2014_${machine}`);
      if (m === 12 && legacy) tags.push(`manylinux2010_${machine}`);
      if (m === 5 && legacy) tags.push(`manylinux1_${machine}`);
    }
  } else if (libc?.family === "musl") {
    tags.push(`musllinux_1_2_${machine}`, `musllinux_1_1_${machine}`);
  }
  tags.push(`linux_${machine}`);
  return tags;
}

/**
 * The interpreter and wheel tags of an image (its facts, config architecture and PATH); a reason
 * instead when its Python cannot be told from its layers.
 */
export function imagePython(facts: PythonFacts, architecture: string, pathVar: string): ImagePython | { why: string } {
  const found = findPython(facts, pathVar);
  if (!found) return { why: `no python3 on the image's PATH (${pathVar}) could be read from its layers` };
  const machine = machineOf(architecture);
  const cp = `cp${found.version.replace(".", "")}`;
  const platforms = platformTags(facts.libc, machine);
  return {
    python: found.python,
    target: { pythonVersion: found.version, implementation: "cp", abis: [cp, "abi3", "none"], platforms },
    describe: `CPython ${found.version} on ${platforms[0]}`,
  };
}
