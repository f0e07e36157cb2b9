// msd-lab: interactive rigid-body physics for notebooks, scripts and the browser.
export * from "./engine";
export * from "./server";
export * from "./kernel-helpers";
export * from "./recording";
