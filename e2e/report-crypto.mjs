// Measures the mechanisms' throughput three ways and prints the ratios: natively (`cargo run --release
// --example crypto_bench`), as wasm in the simulator's worker in headless Chromium (the same Rust code,
// `hsm_core::crypto::bench`), and with WebCrypto in the same Chromium for the same operation. A report:
// it asserts nothing. Usage: node e2e/report-crypto.mjs (BASE_URL, or serves dist/).
import { execFileSync } from "node:child_process";
import { openApp, setup } from "./lib/harness.mjs";

const native = {};
const out = execFileSync("cargo", ["run", "--release", "-q", "-p", "hsm-core", "--example", "crypto_bench"], {
  encoding: "utf8",
});
for (const line of out.trim().split("\n")) {
  const m = line.match(/^(.*?)\s+([\d.]+) (\S+)$/);
  if (m) native[m[1]] = Number(m[2]);
}

const env = await setup();
try {
  const page = await openApp(env);
  const wasm = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        // A second copy of the simulator's worker, asked to measure instead of running a world.
        const worker = new Worker(new URL("hsm-worker_loader.js", document.baseURI), { type: "module" });
        worker.onerror = (e) => reject(new Error(e.message));
        worker.onmessage = (e) => {
          if (e.data === "ready") return worker.postMessage("bench");
          const figures = JSON.parse(e.data).bench;
          worker.terminate();
          resolve(Object.fromEntries(figures.map((f) => [f.name, f.rate])));
        };
      }),
  );
  const webcrypto = await page.evaluate(async () => {
    const s = crypto.subtle;
    const rate = async (min, op) => {
      const start = performance.now();
      let n = 0;
      while (n < min || performance.now() - start < 1000) {
        await op();
        n++;
      }
      return (n * 1000) / (performance.now() - start);
    };
    const rsaAlg = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
    const msg = new TextEncoder().encode("message");
    const figures = {};
    figures["RSA-2048 generate"] = await rate(3, () => s.generateKey(rsaAlg, false, ["sign"]));
    const rsa = await s.generateKey(rsaAlg, false, ["sign", "verify"]);
    figures["RSA-2048 sign"] = await rate(10, () => s.sign("RSASSA-PKCS1-v1_5", rsa.privateKey, msg));
    const ec = await s.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const ecdsa = { name: "ECDSA", hash: "SHA-256" };
    const sig = await s.sign(ecdsa, ec.privateKey, msg);
    figures["ECDSA P-256 sign"] = await rate(10, () => s.sign(ecdsa, ec.privateKey, msg));
    figures["ECDSA P-256 verify"] = await rate(10, () => s.verify(ecdsa, ec.publicKey, sig, msg));
    const block = new Uint8Array(1 << 20).fill(0x5a);
    const aes = await s.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt"]);
    figures["AES-256-GCM encrypt"] = await rate(3, () => s.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, aes, block));
    const mac = await s.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    figures["HMAC-SHA256"] = await rate(3, () => s.sign("HMAC", mac, block));
    return figures;
  });
  const unit = (name) => (name.startsWith("AES") || name.startsWith("HMAC") ? "MB/s" : "ops/s");
  const pad = (v, n) => String(v).padStart(n);
  console.log(`${"mechanism".padEnd(22)} ${pad("native", 10)} ${pad("wasm", 10)} ${pad("WebCrypto", 10)}  unit   native/wasm  WebCrypto/wasm`);
  for (const name of Object.keys(wasm)) {
    const [n, w, c] = [native[name], wasm[name], webcrypto[name]];
    console.log(
      `${name.padEnd(22)} ${pad(n?.toFixed(1), 10)} ${pad(w.toFixed(1), 10)} ${pad(c.toFixed(1), 10)}  ${unit(name).padEnd(6)} ${pad((n / w).toFixed(2), 10)}  ${pad((c / w).toFixed(2), 14)}`,
    );
  }
} finally {
  await env.close();
}
