// args: path, selector, value, text. See harnessSelect in prelude.js.
var path = arguments[0];
var selector = arguments[1];
var value = arguments[2];
var text = arguments[3];
return harnessRun(function (w) {
  return harnessSelect(w, selector, value, text);
}, path);
