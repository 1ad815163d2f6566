/// Runs many small solver queries (one solver each, as the checker does) and reports how resident
/// memory moved, so a leak shows as growth. Run it alone in its process: RSS is process-wide.
public enum SolverMemoryProbe {
  public struct Report: Sendable {
    public let queries: Int
    public let warmBytes: Int
    public let finalBytes: Int
    public var growthBytes: Int { finalBytes - warmBytes }
  }

  public static func run(queries: Int, warmUp: Int = 2_000) throws -> Report {
    let z3 = Z3Context()
    func batch(_ count: Int) throws {
      for index in 0..<count {
        let solver = Solver(context: z3, logic: "QF_BV")
        let x = z3.bvVariable("x", width: 64)
        solver.assert(x + z3.bv(UInt64(index), width: 64) == z3.bv(99, width: 64), named: "sum")
        _ = try solver.check()
      }
    }
    try batch(warmUp)
    let warm = residentBytes()
    try batch(queries)
    return Report(queries: queries, warmBytes: warm, finalBytes: residentBytes())
  }
}
