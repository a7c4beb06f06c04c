val a = 9223372036854775807
val b = a * 2
val c = 1 / (a - a)
val d = b + 1
