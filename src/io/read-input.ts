/**
 * Reads a file the user named (notebook, .pipeline, pipeline file) as text, refusing what is not
 * a regular file before reading a byte: a FIFO would block forever, a directory or an unreadable
 * file would surface as a raw EISDIR/EACCES.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { NbbuildError } from "../errors.js";

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

/**
 * Reads `abs` as UTF-8. `shownAs` is how errors name it, `what` what it should be
 * ("notebook", "pipeline file"), `expect` the file form the fix suggests (".ipynb").
 */
export async function readInputFile(abs: string, shownAs: string, what: string, expect: string): Promise<string> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
    handle = await open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw NbbuildError.at({ file: shownAs }, `${what} not found`, "check the path (it is resolved against the current directory)");
    if (code === "EACCES" || code === "EPERM") {
      throw NbbuildError.at({ file: shownAs }, `cannot read the ${what}: permission denied`, `give your user read access (e.g. chmod u+r ${JSON.stringify(shownAs)}) or run nbbuild as a user who can read it`);
    }
    if (code === "ENOTDIR") throw NbbuildError.at({ file: shownAs }, `${what} not found: a part of the path is not a directory`, "check the path");
    if (code === "ELOOP") throw NbbuildError.at({ file: shownAs }, `cannot read the ${what}: too many levels of symbolic links`, "point nbbuild at the file itself");
    throw NbbuildError.at({ file: shownAs }, `cannot read the ${what} (${code ?? (err as Error).message})`, "check that the path names a readable file");
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      throw NbbuildError.at(
        { file: shownAs },
        `is ${kindOf(st)}, not a ${what}`,
        st.isDirectory() ? `pass the ${expect} file inside it, e.g. nbbuild plan ${JSON.stringify(`${shownAs.replace(/\/$/, "")}/<name>${expect}`)}` : `pass a regular ${expect} file (save the ${what} to disk first)`,
      );
    }
    return await handle.readFile({ encoding: "utf8" });
  } catch (err) {
    if (err instanceof NbbuildError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw NbbuildError.at({ file: shownAs }, `cannot read the ${what} (${code ?? (err as Error).message})`, "check that the path names a readable file");
  } finally {
    await handle.close();
  }
}
