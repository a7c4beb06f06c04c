val port = 8080
