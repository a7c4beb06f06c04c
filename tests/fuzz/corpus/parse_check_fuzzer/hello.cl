// examples/hello: the first clive spreadsheet.
// Every top-level `val` is a cell: `clivec run examples/hello` evaluates each
// one with JIT-compiled code and commits its value to the store in .clive/.

/// How much memory and how many threads a service gets.
type Resources {
  memory: Size = 512.MiB
  threads: Int = 4
}

/// A service we deploy.
type Service {
  name: String
  port: Int = 8080
  resources: Resources = Resources {}
  debug: Bool = false
}

val greeting = "Hello, " + "clive"
val replicas = 3

val api = Service {
  name = "api"
  resources = Resources { memory = 16.GB }
}

val worker = Service {
  name = "worker"
  port = api.port + 1
  resources = Resources { threads = api.resources.threads * replicas }
}

val totalMemory = api.resources.memory + worker.resources.memory * replicas
