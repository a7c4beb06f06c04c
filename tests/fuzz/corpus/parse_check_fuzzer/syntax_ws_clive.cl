val a = 1
// line 2
val b = 1 + * }
