import type { Command } from "commander";

/** Registers `nbbuild sbom`: prints the SBOM (or provenance) attached to a pushed image. */
export function register(program: Command): void {
  program
    .command("sbom")
    .description("print the SPDX SBOM attached to a pushed image (found through its OCI referrers)")
    .argument("<image>", "registry/repo@sha256:… or registry/repo:tag")
    .option("--provenance", "print the SLSA provenance statement instead")
    .option("--insecure", "plain http for a non-loopback registry")
    .action(async (image: string, o: { provenance?: boolean; insecure?: boolean }) => {
      const { ATTACHMENT_TYPES, readAttachment } = await import("../registry/attachments.js");
      const doc = await readAttachment(image, o.provenance ? ATTACHMENT_TYPES.provenance : ATTACHMENT_TYPES.sbom, { insecure: o.insecure });
      process.stdout.write(JSON.stringify(JSON.parse(doc.toString("utf8")), null, 2) + "\n");
    });
}
