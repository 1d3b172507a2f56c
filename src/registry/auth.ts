/**
 * Registry credentials, read from the files container tools keep them in — never from flags
 * (those show in `ps`). First match wins: $REGISTRY_AUTH_FILE, containers' auth.json
 * ($XDG_RUNTIME_DIR/containers, ~/.config/containers), docker's config.json ($DOCKER_CONFIG or
 * ~/.docker), ~/.dockercfg, and a pod's dockercfg secret (/var/run/secrets/openshift.io/push).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/** A user name and password (or token) for one registry host. */
export interface Credential {
  username: string;
  password: string;
}

/** Where credentials are looked up, in order. */
export function credentialFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME || homedir();
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(path.join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  files.push(path.join(env.XDG_CONFIG_HOME || path.join(home, ".config"), "containers", "auth.json"));
  files.push(path.join(env.DOCKER_CONFIG || path.join(home, ".docker"), "config.json"));
  files.push(path.join(home, ".dockercfg"));
  files.push("/var/run/secrets/openshift.io/push/.dockercfg", "/var/run/secrets/openshift.io/pull/.dockercfg");
  return files;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** The keys a file may use for `host` (docker writes docker.io as its v1 index URL). */
function keysFor(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
  if (host === "docker.io") keys.push("https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io");
  return keys;
}

function decode(entry: AuthEntry): Credential | undefined {
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = text.indexOf(":");
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.identitytoken) return { username: "<token>", password: entry.identitytoken };
  return undefined;
}

/** The credential stored for a registry host, or undefined (anonymous access). */
export function findCredential(host: string, env: NodeJS.ProcessEnv = process.env): Credential | undefined {
  for (const file of credentialFiles(env)) {
    let doc: { auths?: Record<string, AuthEntry> } & Record<string, unknown>;
    try {
      doc = JSON.parse(readFileSync(file, "utf8")) as typeof doc;
    } catch {
      continue; // absent or unreadable: try the next place
    }
    // config.json/auth.json nest under "auths"; a .dockercfg secret is the map itself.
    const auths = (doc.auths ?? doc) as Record<string, AuthEntry>;
    for (const key of keysFor(host)) {
      const entry = auths[key];
      const cred = entry && typeof entry === "object" ? decode(entry) : undefined;
      if (cred) return cred;
    }
  }
  return undefined;
}
