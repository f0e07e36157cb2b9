// Assets: the built-in catalogue, mesh generators, the STL reader and the SQLite assets database.

export {
  AssetDatabase,
  ASSETS_DB_KIND,
  ASSETS_SCHEMA_VERSION,
  MAX_ASSET_NAME_LENGTH,
} from "./asset-database";
export type { AddAssetOptions, AssetRecord, CollisionKind, HullBuilder } from "./asset-database";
export { catalogueRecords, SPHERE_SUBDIVISIONS } from "./catalogue";
export { boxMesh, cubeMesh, icosphereMesh, pyramidMesh } from "./meshes";
export type { Point3, TriangleMesh } from "./meshes";
export { parseStl, readStlFile } from "./stl";
export type { StlGeometry } from "./stl";
export { flattenPoints } from "./points";
