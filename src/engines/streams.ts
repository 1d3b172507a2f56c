/** Small helpers the container runners share: line splitting and bounded waits. */
/** Splits a byte stream into lines, calling `emit` for each complete one; `flush` emits the rest. */
export function lineSplitter(emit: (line: string) => void): { write: (chunk: Buffer | string) => void; flush: () => void } {
  let buf = "";
  return {
    write(chunk) {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        emit(buf.slice(0, i).replace(/\r$/, ""));
        buf = buf.slice(i + 1);
      }
    },
    flush() {
      if (buf) emit(buf);
      buf = "";
    },
  };
}

/** Rejects after `ms` with `message` unless `p` settles first. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
