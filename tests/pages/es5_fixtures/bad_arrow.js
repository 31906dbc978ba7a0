// Checker fixture: must be rejected (arrow functions are ES2015; IE11 cannot parse them).
var total = [1, 2, 3].reduce((sum, x) => sum + x, 0);
