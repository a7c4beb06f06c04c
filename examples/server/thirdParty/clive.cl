// Third-party libraries this workspace uses.
import clive.model.jvm.{library}

val ratpack = library("io.ratpack", "ratpack-core", "1.9.0")
val hadoop = library("org.apache.hadoop", "hadoop-common", "3.3.6")
