// examples/live: data and code in one live spreadsheet.
//
// `fleet.names` is an input cell: `clivec set fleet.names '["a", "b"]'`
// commits a new value, and `clivec run` (or a running `clivec watch`)
// recomputes only what reads it. `capacity` reads it through a live reference.
import fleet.{names, node}

/// One node per name, from the template.
val nodes = [node.copy(name = n) for n in names]

/// What the fleet can serve, from whatever `fleet.names` is now.
val capacity = ref(names).value.size * node.slots

val summary = "${nodes.size} nodes, ${capacity} slots"
