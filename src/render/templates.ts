import { readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { PACKAGE_ROOT } from "../version.js";

/** Folder of the build templates (Containerfiles, runner, installer). */
export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, "templates");

const hbs = Handlebars.create();
hbs.registerHelper("json", (v: unknown) => JSON.stringify(v));
const compiled = new Map<string, HandlebarsTemplateDelegate>();
const raw = new Map<string, Buffer>();

/** Bytes of a template file (cached for the process). */
export function templateBytes(name: string): Buffer {
  let b = raw.get(name);
  if (!b) {
    b = readFileSync(path.join(TEMPLATES_DIR, name));
    raw.set(name, b);
  }
  return b;
}

/** Renders a handlebars template from templates/ (no HTML escaping: these are build files). */
export function renderTemplate(name: string, data: object): string {
  let t = compiled.get(name);
  if (!t) {
    t = hbs.compile(templateBytes(name).toString("utf8"), { noEscape: true, strict: true });
    compiled.set(name, t);
  }
  return t(data);
}
