# How clive values are stored as Git objects.
#
# A record is a Git tree: one entry per field (named after the field) plus a
# `.clive` entry holding its RecordHeader. A list is the same, with type name
# "List" and entries "0", "1", ... Every other value is a Git blob
# holding one canonical Cap'n Proto `Scalar` message (capnp::canonicalize), so
# each value has exactly one encoding and equal values have equal object ids.
@0xc8ff586056efc781;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("clive::schema");

struct Scalar {
  union {
    int @0 :Int64;
    bool @1 :Bool;
    string @2 :Text;
    size @3 :Int64;      # bytes
    duration @4 :Int64;  # milliseconds
    enumCase @5 :EnumCase;
    null @6 :Void;
    float @7 :Float64;
    path @8 :Text;
    ref @9 :Text;        # the referenced cell's address, "a.b.name"
  }
}

struct EnumCase {
  type @0 :Text;   # qualified type name, "JVM.Provider"
  label @1 :Text;  # the case, "Oracle"
}

struct RecordHeader {
  typeName @0 :Text;
  # Field names in declaration order (tree entries are sorted by name).
  fields @1 :List(Text);
}
