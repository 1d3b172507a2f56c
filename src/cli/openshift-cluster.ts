import type { Command } from "commander";
import { DEFAULT_BUILDER, writeManifests, type ClusterObjectOptions } from "../openshift/objects.js";

/** Flags that decide the cluster objects (shared by `manifests` and `apply`). */
function addObjectOptions(command: Command): Command {
  return command
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline), inside the git checkout the cluster builds")
    .requiredOption("--git-uri <url>", "repository the cluster clones (credentials are removed: use --source-secret)")
    .option("--git-ref <ref>", "branch, tag or commit to build (default: the repository's default branch)")
    .option("--context-dir <dir>", "folder of the repository the build starts in (default: its top)")
    .option("--source-secret <name>", "Secret with the git credentials (basic-auth or ssh-auth) for a private repository")
    .option("--builder <image>", `S2I builder: an ImageStreamTag [namespace/]name:tag, or a registry reference host/repo:tag (imported into an ImageStream)`, DEFAULT_BUILDER)
    .option("--builder-base <image>", "the base the builder was built FROM (its io.nbbuild.base label): the dependency builds then check their hash")
    .option("--no-webhook-rolebinding", "do not bind system:webhook to system:unauthenticated (OpenShift >= 4.16 then refuses anonymous webhook calls)");
}

interface ObjectFlags {
  gitUri: string; gitRef?: string; contextDir?: string; sourceSecret?: string; builder: string; builderBase?: string; webhookRolebinding: boolean; namespace?: string;
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const objectOptions = (o: ObjectFlags): ClusterObjectOptions => ({
  gitUri: o.gitUri, gitRef: o.gitRef, contextDir: o.contextDir, sourceSecret: o.sourceSecret, namespace: o.namespace,
  builder: o.builder, builderBase: o.builderBase, webhookRoleBinding: o.webhookRolebinding, onWarning: (w) => say(`warning: ${w}`),
});

/** Registers `nbbuild openshift manifests|apply|build|pipeline` on the `openshift` group. */
export function registerClusterCommands(group: Command): void {
  addObjectOptions(group.command("manifests")
    .description("write the ImageStreams, BuildConfigs (per step and per dependency set), webhook Secret and RoleBinding that rebuild each step on git push"))
    .option("--namespace <ns>", "namespace to put in the objects (default: none, oc apply -n decides)")
    .option("-o, --output <file>", "write the YAML here (mode 0600: it holds the webhook secret) instead of stdout")
    .option("--show-secret", "include the webhook Secret when writing to stdout")
    .action(async (file: string, o: ObjectFlags & { output?: string; showSecret?: boolean }) => {
      const r = await writeManifests(file, { ...objectOptions(o), output: o.output, showSecret: o.showSecret });
      if (r.text !== undefined) process.stdout.write(r.text);
      if (r.path) say(`wrote ${r.path} (${r.objects} objects; it holds the webhook secret: do not commit it)`);
      if (r.secretOmitted) say(`note: the webhook Secret ${r.secretOmitted} is not printed; write a file with -o, pass --show-secret, or use nbbuild openshift apply`);
    });
}
