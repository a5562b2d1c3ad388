// A stand-in for WebUSB, installed with page.addInitScript before the app loads: navigator.usb offers one
// device, whose bulk endpoints are backed by a second instance of the simulator's worker running as a
// training unit (the device end of the byte-pipe protocol, compiled to wasm). The test steers it through
// window.usbDouble: which device the chooser returns, failures to inject, unplugging.
//
// Runs in the page before any of its scripts; it must not depend on anything of the app.
(() => {
  const VENDOR_CLASS = 0xff;
  const state = {
    // What the chooser returns: "trainer", "genuine", "cancel", "keyboard".
    choice: "trainer",
    // Errors to throw from open() / claimInterface(): a DOMException name, or null.
    openError: null,
    claimError: null,
    unplugged: false,
    // Bytes the unit answered that the page has not read yet, and the read waiting for some.
    pending: [],
    waiter: null,
    unit: null,
    ready: null,
    transfers: 0,
  };

  /** Starts the training unit in a worker of its own. */
  function startUnit() {
    const worker = new Worker(new URL("hsm-worker_loader.js", document.baseURI), { type: "module" });
    state.unit = worker;
    state.ready = new Promise((resolve) => {
      worker.addEventListener("message", function first(ev) {
        if (ev.data !== "ready") return;
        worker.removeEventListener("message", first);
        worker.postMessage(JSON.stringify({ device_open: { seed: 11, now: Date.now() } }));
        resolve();
      });
    });
    worker.addEventListener("message", (ev) => {
      if (typeof ev.data !== "string" || !ev.data.startsWith('{"device_out"')) return;
      state.pending.push(...JSON.parse(ev.data).device_out);
      if (state.pending.length && state.waiter) {
        state.waiter.resolve();
        state.waiter = null;
      }
    });
  }

  const endpoints = [
    { endpointNumber: 1, direction: "in", type: "bulk", packetSize: 512 },
    { endpointNumber: 2, direction: "out", type: "bulk", packetSize: 512 },
  ];
  const trainerConfig = {
    configurationValue: 1,
    interfaces: [
      {
        interfaceNumber: 0,
        claimed: false,
        alternate: { alternateSetting: 0, interfaceClass: VENDOR_CLASS, interfaceSubclass: 0, interfaceProtocol: 0, endpoints },
        alternates: [],
      },
    ],
  };

  function gone() {
    return new DOMException("The device was disconnected.", "NotFoundError");
  }

  const trainer = {
    vendorId: 0x1209,
    productId: 0x0001,
    manufacturerName: "Your organisation",
    productName: "Luna USB HSM 7 trainer (simulated)",
    serialNumber: "TRAINER-1",
    deviceVersionMajor: 0,
    deviceVersionMinor: 1,
    deviceVersionSubminor: 0,
    configuration: null,
    configurations: [trainerConfig],
    opened: false,
    async open() {
      if (state.openError) throw new DOMException("Access denied.", state.openError);
      this.opened = true;
    },
    async selectConfiguration() {
      this.configuration = trainerConfig;
    },
    async claimInterface() {
      if (state.claimError) throw new DOMException("Unable to claim interface.", state.claimError);
      trainerConfig.interfaces[0].claimed = true;
    },
    async releaseInterface() {
      trainerConfig.interfaces[0].claimed = false;
    },
    async close() {
      this.opened = false;
    },
    async transferOut(endpoint, data) {
      if (state.unplugged) throw gone();
      if (endpoint !== 2) throw new DOMException("The specified endpoint is not part of a claimed interface.", "NotFoundError");
      await state.ready;
      state.transfers += 1;
      const bytes = Array.from(new Uint8Array(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength));
      state.unit.postMessage(JSON.stringify({ device_feed: { bytes, now: Date.now() } }));
      return { status: "ok", bytesWritten: bytes.length };
    },
    async transferIn(endpoint, length) {
      if (state.unplugged) throw gone();
      if (!state.pending.length) {
        await new Promise((resolve, reject) => {
          state.waiter = { resolve, reject };
        });
      }
      if (state.unplugged) throw gone();
      // A bulk transfer carries at most `length` bytes, and here at most 300, so that answers arrive in
      // pieces as they can on a real cable.
      const take = state.pending.splice(0, Math.min(length, 300));
      return { status: "ok", data: new DataView(new Uint8Array(take).buffer) };
    },
  };

  const genuine = {
    vendorId: 0x0000,
    productId: 0x0000,
    manufacturerName: "Thales",
    productName: "Luna USB HSM",
    serialNumber: "654321",
    deviceVersionMajor: 7,
    deviceVersionMinor: 8,
    deviceVersionSubminor: 4,
    configuration: null,
    configurations: [],
    async open() {
      throw new Error("the page must not open a genuine unit");
    },
  };

  const keyboard = {
    ...genuine,
    manufacturerName: "Some maker",
    productName: "USB keyboard",
    serialNumber: "",
    configurations: [
      {
        configurationValue: 1,
        interfaces: [{ interfaceNumber: 0, alternate: { interfaceClass: 3, endpoints: [] }, alternates: [] }],
      },
    ],
    async open() {
      this.opened = true;
    },
    async selectConfiguration() {
      this.configuration = this.configurations[0];
    },
    async close() {},
  };

  const usb = {
    onconnect: null,
    ondisconnect: null,
    async requestDevice(options) {
      if (!options || !Array.isArray(options.filters)) throw new TypeError("filters are required");
      switch (state.choice) {
        case "cancel":
          throw new DOMException("No device selected.", "NotFoundError");
        case "genuine":
          return genuine;
        case "keyboard":
          return keyboard;
        default:
          if (!state.unit) startUnit();
          state.unplugged = false;
          return trainer;
      }
    },
    async getDevices() {
      return [];
    },
    addEventListener() {},
    removeEventListener() {},
  };
  Object.defineProperty(Navigator.prototype, "usb", { get: () => usb, configurable: true });

  window.usbDouble = {
    set choice(c) {
      state.choice = c;
    },
    set openError(e) {
      state.openError = e;
    },
    set claimError(e) {
      state.claimError = e;
    },
    get transfers() {
      return state.transfers;
    },
    /** Pulls the cable: pending and later transfers fail, and the page hears of it. */
    unplug() {
      state.unplugged = true;
      state.waiter?.reject(gone());
      state.waiter = null;
      state.unit?.postMessage('"device_unplug"');
      usb.ondisconnect?.({ device: trainer });
    },
  };
})();
