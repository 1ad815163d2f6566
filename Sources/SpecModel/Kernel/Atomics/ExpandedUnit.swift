/// One boot path's expansion, read once and shared by everything proved on it: its tokens, the
/// tree's barriers, and the structs, unions and functions it defines.
struct ExpandedUnit: Sendable {
  let file: String
  let tokens: [CToken]
  let barriers: BarrierMapping
  /// By name (`union x`, or a typedef's name).
  let records: [String: CRecord]
  let functions: [String: CFunction]
  /// The wrappers the tree does not provide (`#if defined(…)` left only the marker).
  let absentMarkers: Set<String>

  /// The prefix of the `atomic_t` functions callers reach (`GenericAtomics`).
  let atomicPrefix: String

  init(tokens: [CToken], file: String, xlen: Int, atomicPrefix: String = "arch_") {
    self.file = file
    self.atomicPrefix = atomicPrefix
    self.tokens = tokens
    barriers = BarrierMapping(tokens: tokens, file: file)
    records = CRecord.definitions(in: tokens, xlen: xlen)
    var functions = CFunction.definitions(in: tokens, file: file)
    // The instrumented layer (not read) defines each `atomic_*()` callers use as its sanitizer
    // hooks and a call of the generic layer's function: code that calls it reaches that one.
    for (name, function) in functions where name.hasPrefix(atomicPrefix + "atomic") {
      let called = String(name.dropFirst(atomicPrefix.count))
      if functions[called] == nil { functions[called] = function }
    }
    self.functions = functions
    absentMarkers = Set(tokens.lazy.filter { $0.text.hasSuffix("_absent") }.map(\.text))
  }

  func isAbsent(_ primitive: AtomicsPrimitive) -> Bool { absentMarkers.contains(primitive.functionName + "_absent") }

  /// The body of `primitive`'s wrapper: nil where the expansion has none, a syntax error where it
  /// cannot be read.
  func body(of primitive: AtomicsPrimitive) throws(CSyntaxError) -> [CStatement]? {
    try body(ofFunction: primitive.functionName)
  }

  /// The body of the function `name` the prover wrapped a call in.
  func body(ofFunction name: String) throws(CSyntaxError) -> [CStatement]? {
    guard let start = tokens.firstIndex(where: { $0.text == name }),
      let brace = tokens[start...].firstIndex(where: { $0.text == "{" })
    else { return nil }
    var parser = CParser(tokens: tokens, file: file, index: brace)
    parser.gnuExtensions = true
    return try parser.block()
  }
}
