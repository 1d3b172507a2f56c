import type { Command } from "commander";

/** Registers `nbbuild image` (not implemented yet). */
export function register(program: Command): void {
  program
    .command("image")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("nbbuild image is not implemented yet");
    });
}
