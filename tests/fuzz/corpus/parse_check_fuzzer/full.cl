val s = "a${x + "${y}"}b$"
val l = [1, 2][0]
val m = ["k": 1]
val w = when { true -> 1; else -> 2 }
fn f(x: Int = 1): Int = x
