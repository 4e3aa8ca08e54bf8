// Regions and clusters of a simulated fleet: names like eu-west-1a, eu-west-1b, us-east-1a.

export interface ClusterSpec {
  name: string;
  region: string;
}

export const REGION_NAMES = [
  'eu-west-1',
  'us-east-1',
  'asia-1',
  'us-west-2',
  'eu-central-1',
  'asia-2',
  'sa-east-1',
  'ca-central-1',
  'eu-north-1',
  'asia-3',
] as const;

export function fleetTopology(regions: number, clusters: number): ClusterSpec[] {
  const nRegions = Math.max(1, Math.min(regions, clusters));
  const regionNames = Array.from({ length: nRegions }, (_, i) =>
    i < REGION_NAMES.length ? REGION_NAMES[i]! : `region-${i + 1}`,
  );
  const perRegion = regionNames.map(
    (_, i) => Math.floor(clusters / nRegions) + (i < clusters % nRegions ? 1 : 0),
  );
  const out: ClusterSpec[] = [];
  regionNames.forEach((region, r) => {
    for (let i = 0; i < perRegion[r]!; i++) {
      const suffix =
        i < 26 ? String.fromCharCode(97 + i) : `${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26)}`;
      out.push({ name: `${region}${suffix}`, region });
    }
  });
  return out;
}
