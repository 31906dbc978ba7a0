// args: path, selector, text, clear. See harnessType in prelude.js.
var path = arguments[0];
var selector = arguments[1];
var text = arguments[2];
var clear = arguments[3];
return harnessRun(function (w) {
  return harnessType(w, selector, text, clear);
}, path);
