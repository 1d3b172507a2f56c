import type { Command } from "commander";
import { registerBuilderCommands } from "./openshift-builder.js";
import { registerClusterCommands } from "./openshift-cluster.js";

/**
 * Registers `nbbuild openshift`: the command group for OpenShift builds. Each part registers its
 * subcommands from its own file (the builder image and assemble in openshift-builder.ts; cluster objects, builds and the pipeline from their digests in openshift-cluster.ts).
 */
export function register(program: Command): void {
  const group = program.command("openshift").description("OpenShift: the S2I builder image and per-step source builds");
  registerBuilderCommands(group);
  registerClusterCommands(group);
}
