// When what the scan says about a certificate next changes: both the persistent cache (cache.ts)
// and the in-process report memo (index.ts) keep a report holding certificates only until then.

const DAY_MS = 24 * 60 * 60 * 1000;

/** The first moment after `now` at which what the certificate-expiry rule says about a certificate
 * valid until `notAfter` changes: it enters the warning period, its days left or days since expiry
 * (counted in whole days) move on. */
export function nextCertificateChange(notAfter: number, now: number, warnDays: number): number {
  const days = (notAfter - now) / DAY_MS;
  if (days >= warnDays) return notAfter - warnDays * DAY_MS;
  // floor(days) stays k while days is in [k, k+1): it changes when days drops below k.
  const next = notAfter - Math.floor(days) * DAY_MS;
  return next > now ? next : next + DAY_MS;
}
