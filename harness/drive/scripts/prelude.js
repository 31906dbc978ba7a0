// Shared head of every scripted action (see step_runner.cpp, "scripted input"): the step code
// itself (harnessClick, harnessType, harnessSelect, harnessState), used one step per call by
// click.js, type.js, ... and a whole run of steps per call by batch.js. ES5: it must run in IE11
// through IEDriverServer as well as in Chromium.
// arguments[0] is the frame path: CSS selectors of nested <iframe>s, outermost first, each
// looked up in the previous frame's document. Problems are thrown as {harness: code, detail}.
function harnessWindow(path) {
  var w = window;
  for (var i = 0; i < path.length; i++) {
    var frame = w.document.querySelector(path[i]);
    if (!frame) {
      throw { harness: 'no_frame', detail: path[i] };
    }
    var inner = frame.contentWindow;
    try {
      if (!inner || !inner.document) {
        throw { harness: 'no_frame', detail: path[i] };
      }
    } catch (e) {
      if (e && e.harness) {
        throw e;
      }
      throw { harness: 'cross_origin', detail: path[i] };
    }
    w = inner;
  }
  return w;
}

function harnessElement(w, selector) {
  var el = w.document.querySelector(selector);
  if (!el) {
    throw { harness: 'no_element', detail: selector };
  }
  return el;
}

// 0 absent, 1 present but not visible, 2 visible (a layout box and not visibility:hidden).
function harnessVisibility(w, el) {
  if (!el) {
    return 0;
  }
  var boxes = el.getClientRects ? el.getClientRects().length : 1;
  var style = w.getComputedStyle ? w.getComputedStyle(el, null) : el.currentStyle;
  if (boxes === 0 || (style && (style.visibility === 'hidden' || style.display === 'none'))) {
    return 1;
  }
  return 2;
}

function harnessFire(w, el, type) {
  var event = w.document.createEvent('Event');
  event.initEvent(type, true, false);
  el.dispatchEvent(event);
}

function harnessRun(action, path) {
  try {
    return { ok: true, value: action(harnessWindow(path || [])) };
  } catch (e) {
    if (e && e.harness) {
      return { ok: false, problem: e.harness, detail: e.detail };
    }
    throw e;
  }
}

// The actions: each acts on window w or throws {harness: code, detail}.
function harnessState(w, selector) {
  return harnessVisibility(w, w.document.querySelector(selector));
}

// A click as element.click() does it: the element must be visible and enabled, as WebDriver's
// element click requires.
function harnessClick(w, selector) {
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
}

// Appends text to a field (after clearing it when asked) and fires input and change.
function harnessType(w, selector, text, clear) {
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
}

// Selects the option with that value (or, when value is empty, that visible text) and fires
// change.
function harnessSelect(w, selector, value, text) {
  var el = harnessElement(w, selector);
  if (el.disabled) {
    throw { harness: 'disabled', detail: selector };
  }
  for (var i = 0; i < el.options.length; i++) {
    var option = el.options[i];
    var matches = value ? option.value === value
                        : (option.text || '').replace(/^\s+|\s+$/g, '') === text;
    if (matches) {
      el.selectedIndex = i;
      harnessFire(w, el, 'input');
      harnessFire(w, el, 'change');
      return true;
    }
  }
  throw { harness: 'no_option', detail: value || text };
}
