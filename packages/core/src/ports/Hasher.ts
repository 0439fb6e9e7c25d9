/** Keyed hashing (HMAC-SHA256), injected so core stays free of node:crypto. */
export interface Hasher {
  /** Lower-case hex of HMAC-SHA256(key, data). */
  hmac(data: string): string;
}
