import type { Command } from "commander";

/** Registers `nbbuild plan` (not implemented yet). */
export function register(program: Command): void {
  program
    .command("plan")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("nbbuild plan is not implemented yet");
    });
}
