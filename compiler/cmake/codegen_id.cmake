# Writes OUTPUT: a header defining CLIVE_CODEGEN_ID, a hash of every source
# that decides what code the compiler generates. Compiled objects are cached
# under keys that include it, so any change to the front end, the lowering or
# the runtime ABI invalidates them, without anyone bumping a version.
file(STRINGS "${LIST}" SOURCES)
list(SORT SOURCES)
set(text "${LLVM_VERSION}")
foreach(file IN LISTS SOURCES)
  file(SHA256 "${file}" digest)
  string(APPEND text "${digest}")
endforeach()
string(SHA256 id "${text}")
string(SUBSTRING "${id}" 0 24 id)
set(content "#pragma once\n#define CLIVE_CODEGEN_ID \"${id}\"\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
endif()
