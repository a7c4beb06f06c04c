// examples/server: the headline model of the design notes, as written there.
import clive.model.jvm.artifacts.{docker, macosApp, windowsSelfExtract}
import clive.model.jvm.{Dependencies, JVM, JVMArgs, Artifacts}
import clive.model.kotlin.backendModule
import thirdParty.{ratpack, hadoop}

val server = backendModule {
  dependencies = Dependencies {
    compile = [ratpack.transitive.exclude(hadoop)]
  }
  jvm = JVM { args = JVMArgs { memory = 16.GB } }
  artifacts = Artifacts {
    macosApp(jvm = jvm.copy(provider = JVM.Provider.Oracle))
    docker(base = "eclipse-temurin:17-jre")
  }
}
