export { startServer, LIVE_PATH } from "./server";
export type { LiveServer } from "./server";
export { DEFAULT_LIMITS } from "./options";
export type { ServerLimits, ServerOptions } from "./options";
export type { PublishOptions } from "./published-simulations";
