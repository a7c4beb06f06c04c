// clive.model.jvm: the data types of JVM software. Packaging behaviour (what
// an Artifact builds) comes with the reactive engine; these are the values.

/// A resolved Maven coordinate, as a build tool would put on a classpath.
type Dependency {
  group: String
  name: String
  version: String
  /// Whether the dependency brings its own dependencies along.
  transitive: Bool = false
  /// `group:name` coordinates left out of the transitive closure.
  excludes: List<String> = []

  /// This dependency without `other` (and what only `other` brings). A
  /// member function, so it needs no import where a Dependency is used.
  fn exclude(other: Library): Dependency =
    copy(excludes = excludes + ["${other.direct.group}:${other.direct.name}"])
}

/// A library as published: used either alone or with what it depends on.
type Library {
  direct: Dependency
  transitive: Dependency
}

/// The library `group:name:version`.
fn library(group: String, name: String, version: String): Library = Library {
  direct = Dependency { group = group; name = name; version = version }
  transitive = Dependency { group = group; name = name; version = version; transitive = true }
}

/// Dependencies by the stage that needs them.
type Dependencies {
  compile: List<Dependency> = []
  runtime: List<Dependency> = []
  test: List<Dependency> = []
}

/// Arguments of the JVM process.
type JVMArgs {
  memory: Size = 1.GB
  flags: List<String> = []
}

/// The JVM a module runs on.
type JVM {
  enum Provider { OpenJDK, Oracle }
  provider: Provider = Provider.OpenJDK
  version: Int = 17
  args: JVMArgs = JVMArgs {}
}

/// Something a build produces for distribution.
type Artifact {
  enum Kind { Docker, MacosApp, WindowsSelfExtract }
  kind: Kind
  jvm: JVM = JVM {}
  /// The base image, for container artifacts.
  base: String? = null
}

/// The artifacts of a module; bare items in an `Artifacts { ... }` block are
/// collected into `items`.
type Artifacts {
  @collect items: List<Artifact> = []
}
