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
  /// The parameters that point to a pointer (`int **p`): the location they name holds an address.
  public var pointerParameters: Set<String> = []
  public var body: [CStatement]
  public var location: SourceLocation
}
