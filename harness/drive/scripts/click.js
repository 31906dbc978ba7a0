// args: path, selector. See harnessClick in prelude.js.
var selector = arguments[1];
var path = arguments[0];
return harnessRun(function (w) {
  return harnessClick(w, selector);
}, path);
