type T { x: Int = 1; s: String = "a" }
val t = T { x = 2 }.x * 3 % 2
