// The alphabet of short codes, as the service defines it (kept here so loadtest/ imports nothing
// from app/: it must run against any deployed stack from a checkout of this folder's deps alone).
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
