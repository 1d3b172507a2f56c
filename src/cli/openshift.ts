import type { Command } from "commander";
import { registerClusterCommands } from "./openshift-cluster.js";

/**
 * Registers `nbbuild openshift`: the command group for OpenShift builds. Each part registers its
 * subcommands from its own file (cluster objects, builds and the pipeline from their digests here).
 */
export function register(program: Command): void {
  const group = program.command("openshift").description("OpenShift: the S2I builder image and per-step source builds");
  registerClusterCommands(group);
}
