val a = "plain" + "with \"escapes\" \\ \n \r \t \$ \0"
val b = "${name}-${v + 1}" + "a ${ {x -> "}"} } b"
val c = "${ "nested ${ "deeper ${ {{}} }" } x" }" + "${map["k"]}"
val d = "end $" + "$" + "$$" + "$${x}" + "$a $1 $ b" + "$\n"
val e = "bad escape \q" + "${
}" + "unterminated ${ x
val f = "😀 ${größe} ç"
