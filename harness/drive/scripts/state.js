// args: path, selector -> 0 absent, 1 present, 2 visible
var selector = arguments[1];
var path = arguments[0];
return harnessRun(function (w) {
  return harnessState(w, selector);
}, path);
