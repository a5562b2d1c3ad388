// Serves a built dist/ on 127.0.0.1: `node e2e/serve.mjs [dir] [port]` (port 0, the default, picks a
// free one). Prints the URL on its first line of output, then serves until killed.
import { serve } from "./lib/server.mjs";

const [dir = "dist", port = "0"] = process.argv.slice(2);
const { url, close } = await serve(dir, Number(port));
console.log(url);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await close();
    process.exit(0);
  });
}
