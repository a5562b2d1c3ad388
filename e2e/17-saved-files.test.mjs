// Story: the host's files live in the browser's IndexedDB, apart from the world in localStorage, so that
// audit logs can grow far beyond what localStorage holds. A reload brings them back; a world saved whole
// by an earlier version (its files inline in localStorage) loads, and its files move to IndexedDB with
// the next change; a file the store lost loads empty and is named in a notice, the rest of the world
// intact.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openApp, recoverFromStm, run, setup, storedFiles, waitForPrompt } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const KEY = "luna-usb-hsm7-sim/world";
const world = (page) => page.evaluate((key) => JSON.parse(localStorage.getItem(key)), KEY);
/** Removes every file from the page's IndexedDB store. */
const clearStore = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("luna-usb-hsm7-sim");
        open.onsuccess = () => {
          const tx = open.result.transaction("files", "readwrite");
          tx.objectStore("files").clear();
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
  );

test("host files are kept in IndexedDB, survive a reload, and an older world's inline files move there", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await openApp(env, context);
  await recoverFromStm(page);
  assert.match(await run(page, "hsm showpolicies -exporttemplate /tmp/HSMPT"), /written to \/tmp\/HSMPT/);
  const saved = await world(page);
  assert.deepEqual(saved.files, ["/tmp/HSMPT"], "localStorage names the file; its text is not there");
  const text = (await storedFiles(page))["/tmp/HSMPT"];
  assert.match(text, /^6:"Allow masking":1$/m);

  // A reload: the file is back, in the panel and for LunaCM.
  await page.reload();
  await waitForPrompt(page);
  await page.getByTestId("files-panel").getByTestId("file-item").filter({ hasText: "/tmp/HSMPT" }).waitFor();
  assert.equal(await page.getByTestId("notice").count(), 0);

  // A world as an earlier version saved it: files inline, nothing in IndexedDB.
  const inline = { ...(await world(page)), files: { "/tmp/HSMPT": text, "/tmp/notes.txt": "kept inline" } };
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [KEY, JSON.stringify(inline)]);
  await clearStore(page);
  await page.reload();
  await waitForPrompt(page);
  const items = page.getByTestId("files-panel").getByTestId("file-item");
  await items.filter({ hasText: "/tmp/notes.txt" }).waitFor();
  assert.equal(await page.getByTestId("notice").count(), 0, "an older world loads without complaint");
  // The next change saves it the new way: names in localStorage, texts in IndexedDB.
  await run(page, "sim clock advance 1");
  await page.waitForFunction((key) => Array.isArray(JSON.parse(localStorage.getItem(key)).files), KEY);
  const moved = await storedFiles(page);
  assert.equal(moved["/tmp/notes.txt"], "kept inline");
  assert.equal(moved["/tmp/HSMPT"], text);

  // The store loses a file: the world still loads, that file empty, and the notice names it.
  await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("luna-usb-hsm7-sim");
        open.onsuccess = () => {
          const tx = open.result.transaction("files", "readwrite");
          tx.objectStore("files").delete("/tmp/notes.txt");
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
  );
  await page.reload();
  await waitForPrompt(page);
  const notice = page.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /not in the browser's storage and are empty: \/tmp\/notes\.txt/);
  assert.match(await run(page, "slot list"), /HSM Status ->\s+Zeroized/, "the unit is as it was");
  assert.deepEqual(page.errors, []);
});
