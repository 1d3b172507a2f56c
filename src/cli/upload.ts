import type { Command } from "commander";

/** Registers `nbbuild upload` (not implemented yet). */
export function register(program: Command): void {
  program
    .command("upload")
    .description("(not implemented yet)")
    .action(() => {
      throw new Error("nbbuild upload is not implemented yet");
    });
}
