val a = (1
val b: Int = "two"
