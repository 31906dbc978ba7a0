// Beyond IE11's part of Map: a constructor argument and a chained set() (check_es5.js).
var byKey = new Map([['a', 1]]);
var other = new Map();
other.set('a', 1).set('b', 2);
