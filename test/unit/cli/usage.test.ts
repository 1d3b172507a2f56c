/** A bad flag value is a usage error, never a stack trace (issue 13.15: run --parallel 0). */
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { register as registerRun } from "../../../src/cli/run.js";

describe("nbbuild run --parallel", () => {
  it.each(["0", "-1", "1.5", "many"])("--parallel %s is refused by the flag parser with what it expects", async (value) => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerRun(program);
    const err = await program.parseAsync(["node", "nbbuild", "run", "nb.ipynb", "--parallel", value]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).code).toBe("commander.invalidArgument");
    expect((err as CommanderError).message).toBe(`error: option '--parallel <n>' argument '${value}' is invalid. expected a positive integer (1 or more)`);
  });
});
