val a = 1
val b = a?.c ?: d
fn f(x: (Int) -> Int?): Bool = x <= 1 && y >= 2 || z != 3
	val	c = [1, 2]# ~ ^ ` \ & | @ é 日本
