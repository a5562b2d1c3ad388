// Memory of the running app: the page's JS heap after a garbage collection (through the DevTools
// protocol: exact, where `performance.memory` is rounded), the page's wasm memory and the worker's.

/**
 * `{ heap, pageWasm, workerWasm }` in bytes for `page`; `cdp` is a DevTools session on it. The wasm
 * memories are read from each module's exports: wasm-bindgen's init function hands back the instance it
 * already made when called again, in the page (`window.wasmBindings`, set by Trunk's loader) and in the
 * worker (its module imported again: the same instance).
 */
export async function memory(page, cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  const pageWasm = await page.evaluate(async () => (await window.wasmBindings.default()).memory.buffer.byteLength);
  const worker = page.workers().find((w) => w.url().includes("hsm-worker"));
  const workerWasm = worker
    ? await worker.evaluate(
        async () => (await (await import(new URL("hsm-worker.js", self.location.href))).default()).memory.buffer.byteLength,
      )
    : null;
  return { heap: usedSize, pageWasm, workerWasm };
}

/** Bytes as MB with one decimal. */
export const mb = (bytes) => (bytes == null ? "n/a" : `${(bytes / 1048576).toFixed(1)} MB`);
