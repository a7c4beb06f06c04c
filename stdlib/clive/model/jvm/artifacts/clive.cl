// clive.model.jvm.artifacts: constructors for the artifacts a JVM module can
// produce.
import clive.model.jvm.{Artifact, JVM}

/// A container image on top of `base`.
fn docker(base: String = "eclipse-temurin:17-jre", jvm: JVM = JVM {}): Artifact =
  Artifact { kind = Artifact.Kind.Docker; jvm = jvm; base = base }

/// A macOS application bundle with its own JVM.
fn macosApp(jvm: JVM = JVM {}): Artifact = Artifact { kind = Artifact.Kind.MacosApp; jvm = jvm }

/// A self-extracting Windows installer with its own JVM.
fn windowsSelfExtract(jvm: JVM = JVM {}): Artifact =
  Artifact { kind = Artifact.Kind.WindowsSelfExtract; jvm = jvm }
