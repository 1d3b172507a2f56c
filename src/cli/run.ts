import type { Command } from "commander";

/** Registers `nbbuild run` (not implemented yet). */
export function register(program: Command): void {
  program
    .command("run")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("nbbuild run is not implemented yet");
    });
}
