/// A litmus test in herd's C dialect as the kernel writes them (`C NAME`, an initial state, threads
/// `P0(int *x, …) { … }`, then `locations`, `filter` and the condition). The header carries what
/// every litmus test has, so that final states read and print the same as for RISC-V tests.
public struct KernelLitmusTest: Sendable {
  /// Architecture "C": the name, the initial state (with every thread parameter declared), the
  /// observed locations, the filter and the condition. Its thread table is empty.
  public var header: LitmusTest
  public var threads: [KernelThread]

  public var name: String { header.name }
}

/// One thread: its parameters (each names a shared location) and its statements, read by the
/// kernel readers' C parser.
public struct KernelThread: Sendable {
  public var number: Int
  public var parameters: [String]
  /// The parameters whose location holds a machine word: a pointer (`int **p`) or a pointer-sized
  /// integer (`intptr_t *p`, `long *p`).
  public var wordParameters: Set<String> = []
  public var body: [CStatement]
  public var location: SourceLocation
}
