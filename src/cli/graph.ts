import type { Command } from "commander";

/** Registers `nbbuild graph` (not implemented yet). */
export function register(program: Command): void {
  program
    .command("graph")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("nbbuild graph is not implemented yet");
    });
}
