// clive.model.kotlin: Kotlin modules.
import clive.model.jvm.{Dependencies, JVM, Artifacts}

/// A Kotlin module: its dependencies, the JVM it runs on, what it ships.
type KotlinModule {
  name: String
  kotlinVersion: String = "1.9.22"
  dependencies: Dependencies = Dependencies {}
  jvm: JVM = JVM {}
  artifacts: Artifacts = Artifacts {}
}

/// A server-side Kotlin module; set its fields with a block:
/// `backendModule { jvm = JVM { ... } }`.
fn backendModule(name: String = "backend"): KotlinModule = KotlinModule { name = name }
