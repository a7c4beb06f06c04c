/// One machine of the fleet.
type Node {
  name: String
  slots: Int = 8
  memory: Size = 16.GiB
}

/// The nodes we run: set them with `clivec set fleet.names '["a", "b"]'`.
@input val names: List<String> = ["node-1", "node-2", "node-3"]

val node = Node { name = "template" }
