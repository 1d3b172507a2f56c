/**
 * Which containers/storage buildah and podman use. nbbuild never forces a driver onto the user's
 * storage: a store initialised with overlay refuses another driver ("database storage graph
 * driver … does not match"), and images built there would not be the user's images.
 * - By default: the user's configuration (storage.conf, CONTAINERS_STORAGE_CONF, the tool's
 *   defaults), no storage flags at all.
 * - NBBUILD_STORAGE_ROOT=DIR (and/or NBBUILD_STORAGE_DRIVER=vfs|overlay): nbbuild's own isolated
 *   store at DIR (default DIR: /var/lib/nbbuild/containers-storage for root, else
 *   ~/.local/share/nbbuild/containers-storage), driver vfs unless told otherwise.
 * - When the user's configuration does not work (`<tool> info` fails), the isolated store, with
 *   the reason.
 */
import { homedir } from "node:os";
import path from "node:path";
import { execa } from "execa";

/** The storage a daemonless engine uses: the global flags it passes, and a sentence saying which. */
export interface StorageChoice {
  /** Global flags placed before every sub-command (empty: the user's configuration). */
  args: string[];
  /** e.g. `the user's containers storage (driver overlay, /var/lib/containers/storage)`. */
  description: string;
}

/** nbbuild's own store when none is configured. */
export function defaultIsolatedRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0) return "/var/lib/nbbuild/containers-storage";
  return path.join(env.XDG_DATA_HOME || path.join(homedir(), ".local", "share"), "nbbuild", "containers-storage");
}

/** The isolated store's flags and description. */
function isolated(env: NodeJS.ProcessEnv, why: string): StorageChoice {
  const root = env.NBBUILD_STORAGE_ROOT || defaultIsolatedRoot(env);
  const driver = env.NBBUILD_STORAGE_DRIVER || "vfs";
  return {
    args: ["--root", root, "--runroot", path.join(root, "run"), "--storage-driver", driver],
    description: `nbbuild's own containers storage (driver ${driver}, ${root}; ${why})`,
  };
}

/** The storage the environment asks for, without probing (isolated when NBBUILD_STORAGE_* is set). */
export function configuredStorage(env: NodeJS.ProcessEnv = process.env): StorageChoice | undefined {
  if (env.NBBUILD_STORAGE_ROOT || env.NBBUILD_STORAGE_DRIVER) return isolated(env, "NBBUILD_STORAGE_ROOT/NBBUILD_STORAGE_DRIVER");
  return undefined;
}

/** `<tool> info` store fields, the part we read (buildah and podman name them alike). */
interface StoreInfo {
  store?: { GraphDriverName?: string; GraphRoot?: string; graphDriverName?: string; graphRoot?: string };
}

/**
 * Picks the storage for `tool`: the configured isolated store, else the user's configuration when
 * `<tool> info` works with it, else the isolated store.
 */
export async function chooseStorage(tool: "buildah" | "podman", env: NodeJS.ProcessEnv = process.env): Promise<StorageChoice> {
  const configured = configuredStorage(env);
  if (configured) return configured;
  // buildah prints JSON by default (and knows no `--format json`); podman needs it.
  const r = await execa(tool, tool === "podman" ? ["info", "--format", "json"] : ["info"], { reject: false, timeout: 60_000, stdin: "ignore", env }).catch(() => undefined);
  if (r?.exitCode === 0) {
    let store: StoreInfo["store"];
    try {
      store = (JSON.parse(String(r.stdout)) as StoreInfo).store;
    } catch {
      store = undefined;
    }
    const driver = store?.GraphDriverName ?? store?.graphDriverName ?? "?";
    const root = store?.GraphRoot ?? store?.graphRoot ?? "?";
    return { args: [], description: `the user's containers storage (driver ${driver}, ${root})` };
  }
  const reason = String(r?.stderr ?? "").trim().split("\n").pop() || `${tool} info failed`;
  return isolated(env, `the user's storage does not work here: ${reason}`);
}
