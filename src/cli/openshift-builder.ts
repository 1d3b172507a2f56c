import type { Command } from "commander";
import { defaultBuilderTag } from "../openshift/defaults.js";

/** Registers `openshift builder-image` and `openshift assemble` (the latter runs inside the builder). */
export function registerBuilderCommands(group: Command): void {
  group.command("builder-image")
    .description("build the S2I builder image (nbbuild + Node.js + S2I scripts on a Python base)")
    .requiredOption("--base <image>", "the Python base every step image runs on (e.g. a UBI Python image)")
    .option("-t, --tag <tag>", "tag of the builder image", defaultBuilderTag())
    .option("--engine <name>", "auto | docker | buildah | podman", "auto")
    .action(async (o: { base: string; tag: string; engine: string }) => {
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const [{ makeBuilder }, { buildBuilderImage }] = await Promise.all([import("../engines/factory.js"), import("../s2i/builder-image.js")]);
      const engine = await makeBuilder(o.engine, say);
      try {
        const r = await buildBuilderImage(engine, o.base, o.tag);
        process.stdout.write(`${r.tag} ${r.info.id} (base ${r.base.ref}${r.cached ? ", unchanged" : ""})\n`);
      } finally {
        await engine.close();
      }
    });

  group.command("assemble", { hidden: true })
    .description("S2I assemble inside the builder image (run by /usr/libexec/s2i/assemble)")
    .action(async () => {
      const { assemble } = await import("../s2i/assemble.js");
      await assemble(process.env, (line) => process.stdout.write(`${line}\n`));
    });
}
