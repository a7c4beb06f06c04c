type Server {
  name: String
  port: Int = 80
}
val s = Server {
  port = "eighty"
  nme = "x"
}
val t = Server {}
val q = 16.GB + 3.min
val r = portt
val port = 1.GiBs
val u: Strin = "x"
val loop1 = loop2
val loop2 = loop1
