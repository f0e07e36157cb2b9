export { Engine } from "./engine";
export { AssetDatabase } from "./assets";
export type { AssetRecord, CollisionKind } from "./assets";
export * from "./types";
