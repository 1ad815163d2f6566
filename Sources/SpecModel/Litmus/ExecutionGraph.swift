/// One execution of a litmus test drawn as herd draws it: the events of each thread in program
/// order, with the rf, co and fr edges the solver chose. `dot` renders it for Graphviz.
public struct ExecutionGraph: Sendable, Equatable {
  public struct Node: Sendable, Equatable {
    public let id: Int
    /// -1 for the initial writes.
    public let thread: Int
    /// `W x=1 once`, `R y=0 acquire`, `F mb`, …
    public let label: String
  }

  public struct Edge: Sendable, Equatable {
    /// po, rf, co or fr.
    public let kind: String
    public let from: Int
    public let to: Int
  }

  public var nodes: [Node]
  public var edges: [Edge]
  /// Whether the execution satisfies the condition (a witness) or not (a counterexample).
  public var satisfiesCondition: Bool

  public func dot(name: String) -> String {
    let colours = ["po": "black", "rf": "red", "co": "blue", "fr": "orange"]
    func quoted(_ text: String) -> String {
      "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    var lines = ["digraph \(quoted(name)) {", "  node [shape=box, fontsize=10];", "  edge [fontsize=9];"]
    lines.append(
      "  label=\(quoted("\(name): \(satisfiesCondition ? "an execution that satisfies the condition" : "an allowed execution that does not satisfy the condition")"));"
    )
    for thread in Set(nodes.map(\.thread)).sorted() {
      lines.append("  subgraph cluster_\(thread < 0 ? "init" : "P\(thread)") {")
      lines.append("    label=\(quoted(thread < 0 ? "initial state" : "P\(thread)"));")
      for node in nodes where node.thread == thread { lines.append("    e\(node.id) [label=\(quoted(node.label))];") }
      lines.append("  }")
    }
    for edge in edges {
      lines.append(
        "  e\(edge.from) -> e\(edge.to) [label=\(edge.kind), color=\(colours[edge.kind] ?? "gray"), fontcolor=\(colours[edge.kind] ?? "gray")];"
      )
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }
}

extension MemoryEvent {
  /// What a graph node says of the event: its kind, location, value and annotation.
  func graphLabel(location: String, value: Int64) -> String {
    var words: [String] = []
    switch kind {
    case .fence:
      if let fence = kernel?.fence { return "F \(fence)" }
      // An SRCU event names its srcu_struct.
      if let srcu = kernel?.srcu { return "srcu-\(srcu) \(location)" }
      guard let fence else { return "F" }
      return fence.tso ? "fence.tso" : "fence \(String(fence.predecessor.sorted())),\(String(fence.successor.sorted()))"
    case .read: words.append("R")
    case .write: words.append("W")
    case .update: words.append("RW")
    }
    words.append("\(location)=\(value)")
    if let kernel {
      if let lock = kernel.lock { words.append("\(lock)") } else { words.append("\(kernel.access)") }
      if kernel.atomicOperation { words.append("rmw") }
    } else {
      if acquire { words.append("aq") }
      if release { words.append("rl") }
    }
    return words.joined(separator: " ")
  }
}
