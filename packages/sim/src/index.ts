export type { CatalogEntity, GenerateCatalogOptions } from './catalog/generate.ts';
export {
  CATALOG_MIX,
  ENTITY_NAME,
  generateCatalog,
  kubernetesServices,
  writeCatalog,
} from './catalog/generate.ts';
