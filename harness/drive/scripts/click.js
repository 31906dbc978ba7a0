// args: path, selector. A click as element.click() does it: the element must be visible and
// enabled, as WebDriver's element click requires.
var selector = arguments[1];
var path = arguments[0];
return harnessRun(function (w) {
  var el = harnessElement(w, selector);
  if (harnessVisibility(w, el) !== 2) {
    throw { harness: 'not_visible', detail: selector };
  }
  if (el.disabled) {
    throw { harness: 'disabled', detail: selector };
  }
  if (el.focus) {
    el.focus();
  }
  el.click();
  return true;
}, path);
