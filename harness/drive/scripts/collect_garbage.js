// A forced GC from the page where no DevTools is at hand: IE's CollectGarbage(), or gc() when
// V8 runs with --expose-gc.
if (typeof CollectGarbage === 'function') {
  CollectGarbage();
  return true;
}
if (typeof gc === 'function') {
  gc();
  return true;
}
return false;
