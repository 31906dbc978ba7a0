// args: path, selector, text, clear. Appends text to a field and fires input and change.
var path = arguments[0];
var selector = arguments[1];
var text = arguments[2];
var clear = arguments[3];
return harnessRun(function (w) {
  var el = harnessElement(w, selector);
  if (harnessVisibility(w, el) !== 2) {
    throw { harness: 'not_visible', detail: selector };
  }
  if (el.disabled || el.readOnly) {
    throw { harness: 'disabled', detail: selector };
  }
  if (el.focus) {
    el.focus();
  }
  el.value = (clear ? '' : el.value) + text;
  harnessFire(w, el, 'input');
  harnessFire(w, el, 'change');
  return true;
}, path);
