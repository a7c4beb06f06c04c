// clive.prelude: names every module sees without importing them.
//
// The @builtin functions are implemented by the runtime; their signatures
// here are what the checker (and the language server) know about them.

/// The elements for which `keep` is true.
@builtin fn <T> List<T>.filter(keep: (T) -> Bool): List<T>
/// Each element transformed by `f`.
@builtin fn <T, R> List<T>.map(f: (T) -> R): List<R>
/// Whether any element equals `element`.
@builtin fn <T> List<T>.contains(element: T): Bool
/// Whether `test` holds for at least one element.
@builtin fn <T> List<T>.any(test: (T) -> Bool): Bool
/// Whether `test` holds for every element.
@builtin fn <T> List<T>.all(test: (T) -> Bool): Bool
/// The first element, or null for an empty list.
@builtin fn <T> List<T>.first(): T?
/// The last element, or null for an empty list.
@builtin fn <T> List<T>.last(): T?
/// This list followed by `other`.
@builtin fn <T> List<T>.plus(other: List<T>): List<T>
/// The elements as text, separated by `separator`.
@builtin fn <T> List<T>.joinToString(separator: String = ", "): String

/// The value for `key`, or null.
@builtin fn <K, V> Map<K, V>.get(key: K): V?
/// Whether `key` has a value.
@builtin fn <K, V> Map<K, V>.containsKey(key: K): Bool
/// This map with the entries of `other` added (they win on equal keys).
@builtin fn <K, V> Map<K, V>.plus(other: Map<K, V>): Map<K, V>

@builtin fn String.uppercase(): String
@builtin fn String.lowercase(): String
@builtin fn String.startsWith(prefix: String): Bool
@builtin fn String.endsWith(suffix: String): Bool
@builtin fn String.contains(text: String): Bool
@builtin fn String.split(separator: String): List<String>

/// A path from its text.
@builtin fn path(text: String): Path
/// True when `condition` holds; otherwise the evaluation fails with
/// `message` (E0305), at the call.
@builtin fn require(condition: Bool, message: String = "requirement failed"): Bool
/// The smaller of two integers.
@builtin fn min(a: Int, b: Int): Int
/// The larger of two integers.
@builtin fn max(a: Int, b: Int): Int
