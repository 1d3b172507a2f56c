import { Option, type Command } from "commander";
import { NbbuildError } from "../errors.js";
import { DEFAULT_BUILDER, INTERNAL_REGISTRY } from "../openshift/defaults.js";
import type { ClusterObjectOptions } from "../openshift/objects.js";
import { DEFAULT_TOKEN_ENV } from "../pipeline/token-env.js";
import { collect } from "./build-inputs.js";

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
    .option("--builder-base-user <user>", "with --builder-base: that base's user (the builder's io.nbbuild.base-user label; default root)")
    .option("--no-webhook-rolebinding", "do not bind system:webhook to system:unauthenticated (OpenShift >= 4.16 then refuses anonymous webhook calls)");
}

interface ObjectFlags {
  gitUri: string; gitRef?: string; contextDir?: string; sourceSecret?: string; builder: string; builderBase?: string; builderBaseUser?: string; webhookRolebinding: boolean; namespace?: string;
}

/** --kubeconfig and --namespace for the commands that talk to a cluster. */
function addConnectOptions(command: Command): Command {
  return command
    .option("--kubeconfig <file>", "kubeconfig (default: $KUBECONFIG, ~/.kube/config, else the pod's service account)")
    .option("--namespace <ns>", "namespace (default: the kubeconfig context's)");
}

/** "30m", "90s", "2h" or plain seconds → milliseconds. */
function duration(text: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(text.trim());
  if (!m) throw NbbuildError.at({ file: "--timeout" }, `"${text}" is not a duration like 30m, 90s or 2h`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "s" | "m" | "h"];
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const objectOptions = (o: ObjectFlags): ClusterObjectOptions => ({
  gitUri: o.gitUri, gitRef: o.gitRef, contextDir: o.contextDir, sourceSecret: o.sourceSecret, namespace: o.namespace,
  builder: o.builder, builderBase: o.builderBase, builderBaseUser: o.builderBaseUser, webhookRoleBinding: o.webhookRolebinding, onWarning: (w) => say(`warning: ${w}`),
});

/** Registers `nbbuild openshift manifests|apply|build|pipeline` on the `openshift` group. */
export function registerClusterCommands(group: Command): void {
  addObjectOptions(group.command("manifests")
    .description("write the ImageStreams, BuildConfigs (per step and per dependency set), webhook Secret and RoleBinding that rebuild each step on git push"))
    .option("--namespace <ns>", "namespace to put in the objects (default: none, oc apply -n decides)")
    .option("-o, --output <file>", "write the YAML here (mode 0600: it holds the webhook secret) instead of stdout")
    .option("--show-secret", "include the webhook Secret when writing to stdout")
    .action(async (file: string, o: ObjectFlags & { output?: string; showSecret?: boolean }) => {
      const { writeManifests } = await import("../openshift/objects.js");
      const r = await writeManifests(file, { ...objectOptions(o), output: o.output, showSecret: o.showSecret });
      if (r.text !== undefined) process.stdout.write(r.text);
      if (r.path) say(`wrote ${r.path} (${r.objects} objects; it holds the webhook secret: do not commit it)`);
      if (r.secretOmitted) say(`note: the webhook Secret ${r.secretOmitted} is not printed; write a file with -o, pass --show-secret, or use nbbuild openshift apply`);
    });

  addConnectOptions(addObjectOptions(group.command("apply")
    .description("create or update those objects on the cluster (idempotent) and print the webhook URLs for GitHub/GitLab")))
    .option("--show-secret", "print the webhook URLs with the secret (else a placeholder and how to read it)")
    .action(async (file: string, o: ObjectFlags & { kubeconfig?: string; showSecret?: boolean }) => {
      const { applyToCluster } = await import("../openshift/apply.js");
      const r = await applyToCluster(file, {
        ...objectOptions(o), kubeconfig: o.kubeconfig,
        onApplied: (a) => say(`${a.action} ${a.kind} ${a.name}`),
      });
      const secret = o.showSecret ? r.webhookSecret : "<secret>";
      const lines = [
        `applied ${r.objects.length} objects in namespace ${r.namespace}`,
        "webhook URLs (GitHub: Settings → Webhooks, content type application/json, push events; GitLab: the generic URL):",
        ...r.webhooks.flatMap((w) => [
          `  ${w.step}:`,
          `    github:  ${w.github.replace(r.webhookSecret, secret)}`,
          `    generic: ${w.generic.replace(r.webhookSecret, secret)}`,
        ]),
      ];
      if (!o.showSecret) lines.push(`<secret>: oc get secret ${r.secret} -n ${r.namespace} -o jsonpath='{.data.WebHookSecretKey}' | base64 -d   (or pass --show-secret)`);
      process.stdout.write(lines.join("\n") + "\n");
    });

  addConnectOptions(group.command("build")
    .description("start each step's build (after its dependency image exists) and wait for it; --triggered waits for the builds a git push started")
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline)"))
    .option("--follow", "stream the build logs, each line prefixed by its step")
    .option("--triggered", "start nothing: wait for the latest build of each step (the one a push triggered)")
    .option("--step <name>", "only this step (repeatable)", collect)
    .option("--timeout <duration>", "give up after this long (e.g. 30m)", "60m")
    .option("--poll-interval <seconds>", "how often to ask for each build's phase", "2")
    .action(async (file: string, o: { kubeconfig?: string; namespace?: string; follow?: boolean; triggered?: boolean; step?: string[]; timeout: string; pollInterval: string }) => {
      const poll = Number(o.pollInterval);
      if (!(poll > 0 && poll <= 600)) throw NbbuildError.at({ file: "--poll-interval" }, `"${o.pollInterval}" is not a number of seconds between 0 and 600`);
      const { buildOnCluster } = await import("../openshift/builds.js");
      const outcomes = await buildOnCluster(file, {
        kubeconfig: o.kubeconfig, namespace: o.namespace, follow: o.follow, triggered: o.triggered, steps: o.step, timeoutMs: duration(o.timeout), pollMs: poll * 1000,
        onStatus: say,
        onLog: (subject, line) => process.stdout.write(`[${subject}] ${line}\n`),
      });
      say(`${outcomes.length} builds complete`);
    });

  addConnectOptions(group.command("pipeline")
    .description("write the KFP pipeline that runs each step's cluster-built image by digest (from its ImageStreamTag); --upload sends it to KFP as a version named after the git commit")
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline)"))
    .option("-o, --output <file>", "output file (default: <notebook folder>/<pipeline name>.yaml)")
    .option("--name <name>", "pipeline name (default: notebook metadata, else the file name)")
    .option("--description <text>", "pipeline description")
    .option("--kfp-version <version>", "oldest KFP backend the file must load on (2.0.5 = OpenShift AI DSP ≤ 2.6)", "2.0.5")
    .option("--registry <host>", "registry host the pipeline pods pull from", INTERNAL_REGISTRY)
    .option("--upload", "upload the file to KFP (a new version of the pipeline when it exists)")
    .option("--host <url>", "with --upload: KFP API base URL (OpenShift AI: the ds-pipeline-<name> route)")
    .option("--version <name>", "with --upload: version name (default: <pipeline>-<git commit, 12 hex>)")
    .option("--token-env <VAR>", `with --upload: variable holding the KFP bearer token (default ${DEFAULT_TOKEN_ENV})`)
    .addOption(new Option("--kfp-namespace <ns>", "with --upload: KFP multi-user namespace for a new pipeline"))
    .action(async (file: string, o: {
      kubeconfig?: string; namespace?: string; output?: string; name?: string; description?: string; kfpVersion: string; registry: string;
      upload?: boolean; host?: string; version?: string; tokenEnv?: string; kfpNamespace?: string;
    }) => {
      if (o.upload && !o.host) throw NbbuildError.at({ file: "--upload" }, "--upload needs --host", "pass --host https://ds-pipeline-<name>-<project>.apps.<cluster>");
      const { writeClusterPipeline } = await import("../openshift/pipeline-from-imagestreams.js");
      const r = await writeClusterPipeline(file, {
        kubeconfig: o.kubeconfig, namespace: o.namespace, output: o.output, format: "kfp", name: o.name, description: o.description,
        kfpVersion: o.kfpVersion, registry: o.registry, onWarning: (w) => say(`warning: ${w}`),
        ...(o.upload ? { upload: { host: o.host!, version: o.version, tokenEnv: o.tokenEnv, tokenEnvExplicit: o.tokenEnv !== undefined, namespace: o.kfpNamespace } } : {}),
      });
      const lines = [`wrote ${r.path} (KFP v2 IR for KFP >= ${o.kfpVersion}, ${r.steps} steps, images by digest${r.commit ? ` from commit ${r.commit.slice(0, 12)}` : ""})`];
      if (r.upload) {
        lines.push(r.upload.created === "pipeline" ? `uploaded pipeline ${r.upload.name}` : `uploaded version ${r.upload.versionName} of pipeline ${r.upload.name}`, `pipeline_id: ${r.upload.pipelineId}`);
        if (r.upload.pipelineVersionId) lines.push(`pipeline_version_id: ${r.upload.pipelineVersionId}`);
      }
      process.stdout.write(lines.join("\n") + "\n");
    });
}
