// Story: a trainee opens the trainer once; later, with no network (the server stopped), it opens again
// from the service worker's cache and works: LunaCM answers, a unit is recovered and initialized, and a
// key pair is generated in the worker. (Playwright's setOffline does not cut a service worker's own
// fetches: stopping the server is the honest test.) A new version is announced, waits while an iKey
// ceremony runs, and is applied when the user accepts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initialize, launch, openApp, recoverFromStm, run, waitForPrompt } from "./lib/harness.mjs";
import { serve } from "./lib/server.mjs";

const dist = join(fileURLToPath(new URL(".", import.meta.url)), "..", "dist");
let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** The app from `url` in a fresh context, once the service worker has cached every file and controls it. */
async function openControlled(url) {
  const page = await openApp({ browser, url });
  await page.waitForFunction(async () => (await navigator.serviceWorker.ready) && navigator.serviceWorker.controller !== null);
  return page;
}

test("after one visit the trainer opens and works with the server stopped", async () => {
  // A server of its own, to stop.
  const server = await serve(dist);
  const page = await openControlled(server.url);
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const cache = await caches.open(names.find((n) => n.startsWith("luna-usb-hsm7-sim-")));
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
  for (const part of ["/index.html", "hsm-worker_bg.wasm", "hsm-worker_loader.js", "_bg.wasm", ".css", "manifest.webmanifest"]) {
    assert.ok(cached.some((p) => p.endsWith(part)), `${part} is cached: ${cached.join(", ")}`);
  }
  await server.close();
  assert.ok(await fetch(server.url).then(() => false, () => true), "the server is gone");

  await page.reload();
  await waitForPrompt(page);
  await recoverFromStm(page);
  await initialize(page);
  for (const line of [
    "role login -name so -password Sim-SO-pass1",
    "partition create",
    "role logout",
    "slot set -slot 3",
    "partition init -label off -password popin123 -domain pdomain1 -force",
    "role login -name po -password popin123",
    "role init -name co -password copin123",
    "role logout",
    "role login -name co -password copin123",
    "role changepw -name co -oldpw copin123 -newpw copin456 -force",
  ]) {
    assert.match(await run(page, line), /Command Result : No Error/, line);
  }
  const keys = await run(page, "cmu generatekeypair -slot=3 -keyType=EC -curvetype=3 -sign=1 -verify=1 -labelPublic=p -labelPrivate=q");
  assert.match(keys, /Generated private key: handle=2 label=q/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a new version is announced, waits for the ceremony, and is applied when the user accepts", async () => {
  // A copy of the build, whose service worker is then replaced by a "new version".
  const dir = await mkdtemp(join(tmpdir(), "luna-dist-"));
  await cp(dist, dir, { recursive: true });
  const server = await serve(dir);
  const page = await openControlled(server.url);
  const before = await page.evaluate(() => caches.keys());

  await recoverFromStm(page);
  await run(page, "hsm init -label upd -iped");
  assert.match(await run(page, "proceed"), /Please attend to the PED/);

  const sw = join(dir, "sw.js");
  await writeFile(sw, (await readFile(sw, "utf8")).replace(/const VERSION = "(\w+)"/, 'const VERSION = "$1-next"'));
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
  const apply = page.getByTestId("update-apply");
  await apply.waitFor();
  assert.match(await page.getByTestId("update-bar").innerText(), /A new version of the simulator is ready/);
  assert.ok(await apply.isDisabled(), "not during the ceremony");
  assert.match(await apply.innerText(), /after the iKey operation/);

  // The ceremony cancelled on the touchscreen: now it can be applied.
  await page.locator('[data-testid="hsm-screen"] button', { hasText: "Cancel" }).first().click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="update-apply"]').disabled);
  await Promise.all([page.waitForEvent("load"), apply.click()]);
  await waitForPrompt(page);
  const after = await page.evaluate(() => caches.keys());
  assert.ok(after.some((k) => k.endsWith("-next")) && !after.some((k) => before.includes(k)), `${before} -> ${after}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
  await server.close();
  await rm(dir, { recursive: true });
});
