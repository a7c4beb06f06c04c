# How clive values are stored as Git objects.
#
# A record is a Git tree: one entry per field (named after the field) plus a
# `.clive` entry holding its RecordHeader. A list is the same, with type name
# "List" and entries "0", "1", ... A map is a tree with type name "Map", one
# entry per key (named by the key's text, escaped: see docs/cells.md) and a
# header whose keyKind (and keyType, for enum keys) turns the names back into
# keys. Every other value is a Git blob holding one canonical Cap'n Proto
# `Scalar` message (capnp::canonicalize), so each value has exactly one
# encoding and equal values have equal object ids.
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
  # Empty for maps: their order is the keys' order.
  fields @1 :List(Text);
  # Maps only (records and lists leave both unset, so their canonical bytes
  # are what they were before maps existed). `none` for an empty map.
  keyKind @2 :KeyKind;
  keyType @3 :Text;  # enum keys: the enum's qualified type name
}

# The kind of a map's keys: how an entry name reads back as a key.
enum KeyKind {
  none @0;
  int @1;       # decimal
  bool @2;      # true / false
  string @3;    # the string itself
  size @4;      # decimal bytes
  duration @5;  # decimal milliseconds
  enumCase @6;  # the case label
  float @7;     # clive's float literal (shortest round-trip text)
  path @8;      # the path as written
  ref @9;       # the referenced cell's address
}
