/** The k-th smallest value (0-based) by in-place quickselect on a scratch copy; O(n) expected. */
export function kthSmallest(values: Float32Array, k: number): number {
  if (k < 0 || k >= values.length) throw new RangeError(`Expected k in 0..${values.length - 1} but received ${k}`);
  const a = Float32Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const tmp = a[i]!;
        a[i] = a[j]!;
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
