/**
 * What bench/read's loads ask (the load client and the in-process reader alike): a random entry, or a
 * random first size of a consistency proof to the tree's size, among the newest `span` of the tree.
 */

/** The entry's index (`entry`), or the proof's first size (`proof`). */
export function pick(route, size, span = size) {
  const newest = Math.min(span, size);
  if (route === 'entry') return size - newest + Math.floor(Math.random() * newest);
  const first = Math.max(1, size - newest + 1);
  return first + Math.floor(Math.random() * (size - first));
}

/** The request target of pick's read. */
export function target(route, size, span = size) {
  const n = pick(route, size, span);
  return route === 'entry'
    ? `/api/v1/log/entries?logIndex=${n}`
    : `/api/v1/log/proof?firstSize=${n}&lastSize=${size}`;
}
