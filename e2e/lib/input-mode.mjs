// Every spec's user story with another input: `E2E_INPUT=keyboard` or `E2E_INPUT=touch` (the default,
// `pointer`, changes nothing). The specs are written with Playwright's pointer actions; in these modes
// the same actions are replayed the way that input does them:
//   - keyboard: a click is the keyboard reaching the element (it must be in the tab order: a tabindex
//     of 0 or more, not disabled, not inert) and pressing Enter on it, or Space on a checkbox or radio
//     button; a double-click on an iKey is its "Write on sticker" button; an iKey dragged to the port or
//     the tray is Enter on the token.
//   - touch: every page is a phone (390 × 844, touch, mobile); a click is a tap; an iKey is dragged with
//     a finger through the browser's touch input; a double-click on an iKey is its sticker button.
// In both, the mouse's buttons and wheel throw: nothing may use them.
// Text is typed and options chosen as in the pointer run (`fill`, `selectOption`, `setInputFiles` use no
// pointer). A spec whose story is about the pointer itself reads INPUT and says what it checks instead.

/** The input every spec uses: "pointer" (the default), "keyboard" or "touch". */
export const INPUT = process.env.E2E_INPUT || "pointer";

if (!["pointer", "keyboard", "touch"].includes(INPUT)) {
  throw new Error(`E2E_INPUT must be pointer, keyboard or touch, not ${JSON.stringify(INPUT)}`);
}

/** The phone every page is in touch mode. */
export const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 };

const patched = Symbol("input mode");

/** Makes `browser`'s contexts and every Locator replay pointer actions as INPUT does. */
export async function applyInputMode(browser) {
  if (INPUT === "pointer") return browser;
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options = {}) => newContext(INPUT === "touch" ? { ...options, ...PHONE } : options);
  const context = await newContext();
  const page = await context.newPage();
  const locator = Object.getPrototypeOf(page.locator("body"));
  const mouse = Object.getPrototypeOf(page.mouse);
  const pageProto = Object.getPrototypeOf(page);
  await context.close();
  if (!locator[patched]) {
    locator[patched] = true;
    patchLocator(locator);
    patchMouse(mouse);
    // `page.click(selector)` and the like: through the locator's. (Not the frame's: the locator's own
    // actions call them.)
    for (const name of ["click", "dblclick", "tap", "check", "uncheck"]) {
      pageProto[name] = function (selector, options) {
        return this.locator(selector)[name](options);
      };
    }
  }
  return browser;
}

/** How the keyboard presses `el`, or why it cannot. Runs in the page. */
function keyboardReach(el) {
  const type = (el.getAttribute("type") ?? "").toLowerCase();
  const toggle = el.tagName === "INPUT" && (type === "checkbox" || type === "radio");
  const reachable = el.tabIndex >= 0 && !el.disabled && !el.closest("[inert]");
  return { reachable, key: toggle ? " " : "Enter", checked: Boolean(el.checked), what: el.outerHTML.slice(0, 160) };
}

/** Presses `locator` with the keyboard, once it is actionable as a click would need. */
async function keyboardPress(original, locator, options = {}) {
  await original.click.call(locator, { timeout: options.timeout, trial: true });
  const reach = await locator.evaluate(keyboardReach);
  if (!reach.reachable) throw new Error(`keyboard: the keyboard cannot reach this element, so it cannot press it: ${reach.what}`);
  await locator.focus();
  await locator.press(reach.key);
}

/**
 * Waits until the token of iKey `id`, moved with the keyboard, has the keyboard back (the page gives it
 * on the next frame), as a user would before tabbing on.
 */
export function keyboardBackOn(page, id) {
  return page.waitForFunction((id) => document.activeElement?.dataset.testid === `ikey-${id}`, id);
}

/** The iKey id of a token locator (`ikey-N`), or null. */
async function ikeyId(locator) {
  const id = await locator.getAttribute("data-testid");
  const match = /^ikey-(\d+)$/.exec(id ?? "");
  return match ? match[1] : null;
}

function centre(box, dx = 0) {
  return { x: box.x + box.width / 2 + dx, y: box.y + box.height / 2 };
}

/**
 * A finger from `from` to `to` through the browser's touch input; `whileOver()` runs before it lifts.
 * Then a pause, as a hand's: Chromium sends no click for a tap that comes right after a drag.
 */
async function fingerDrag(page, from, to, whileOver) {
  const cdp = await page.context().newCDPSession(page);
  const touch = (type, points) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points });
  await touch("touchStart", [from]);
  for (let i = 1; i <= 12; i++) {
    await touch("touchMove", [{ x: from.x + ((to.x - from.x) * i) / 12, y: from.y + ((to.y - from.y) * i) / 12 }]);
  }
  if (whileOver) await whileOver();
  await touch("touchEnd", []);
  await cdp.detach();
  await page.waitForTimeout(1500);
}

/**
 * Drags iKey `token` with a finger onto the port, or (`to` "ikey-tray") off the port: on a phone the
 * unit is scrolled into view first, and a key taken out is dropped on screen below and left of the
 * port (the tray can be out of view).
 */
export async function fingerMoveIkey(page, token, to, whileOver) {
  const port = page.getByTestId("ikey-port");
  await token.scrollIntoViewIfNeeded();
  await page.getByTestId("hsm-device").scrollIntoViewIfNeeded();
  const from = centre(await token.boundingBox());
  const target =
    to === "ikey-port"
      ? centre(await port.boundingBox(), 50)
      : { x: Math.max(10, from.x - 120), y: Math.min(from.y + 220, page.viewportSize().height - 14) };
  await fingerDrag(page, from, target, whileOver);
}

function patchLocator(proto) {
  const original = { click: proto.click, tap: proto.tap, dblclick: proto.dblclick, check: proto.check, uncheck: proto.uncheck, dragTo: proto.dragTo };
  const stickerButton = async (locator) => {
    const id = await ikeyId(locator);
    if (!id) throw new Error(`${INPUT}: a double-click has no ${INPUT} equivalent here: ${locator}`);
    return locator.page().getByTestId(`ikey-edit-${id}`);
  };
  if (INPUT === "keyboard") {
    proto.click = function (options) {
      return keyboardPress(original, this, options);
    };
    proto.tap = proto.click;
    proto.check = async function (options) {
      if (!(await this.evaluate(keyboardReach)).checked) await keyboardPress(original, this, options);
    };
    proto.uncheck = async function (options) {
      if ((await this.evaluate(keyboardReach)).checked) await keyboardPress(original, this, options);
    };
  } else {
    proto.click = function (options = {}) {
      const { button, clickCount, delay, ...tap } = options;
      return original.tap.call(this, tap);
    };
    proto.check = async function (options = {}) {
      if (!(await this.isChecked())) await original.tap.call(this, { timeout: options.timeout });
    };
    proto.uncheck = async function (options = {}) {
      if (await this.isChecked()) await original.tap.call(this, { timeout: options.timeout });
    };
  }
  proto.dblclick = async function (options) {
    await (await stickerButton(this)).click(options);
  };
  // An iKey token dragged onto the port or the tray.
  proto.dragTo = async function (target) {
    const id = await ikeyId(this);
    const where = await target.getAttribute("data-testid");
    if (!id || !["ikey-port", "ikey-tray"].includes(where)) throw new Error(`${INPUT}: only an iKey is dragged here, to the port or the tray`);
    if (INPUT === "keyboard") {
      await keyboardPress(original, this);
      return keyboardBackOn(this.page(), id);
    }
    await fingerMoveIkey(this.page(), this, where);
  };
}

function patchMouse(proto) {
  for (const name of ["down", "up", "click", "dblclick", "wheel"]) {
    proto[name] = async () => {
      throw new Error(`${INPUT}: mouse.${name} was called in a run without a mouse`);
    };
  }
}
