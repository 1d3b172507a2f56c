import type { Command } from "commander";

/** Registers `nbbuild pipeline` (not implemented yet). */
export function register(program: Command): void {
  program
    .command("pipeline")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("nbbuild pipeline is not implemented yet");
    });
}
