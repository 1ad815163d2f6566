/// A litmus test in the herd/diy RISC-V format: initial state, one instruction column per hart,
/// and a condition on the final state.
public struct LitmusTest: Sendable, Equatable {
  public var architecture: String
  public var name: String
  /// The quoted line under the name (diy's cycle), if any.
  public var summary: String?
  /// `Key=Value` lines (Cycle, Relax, Safe, Generator, …).
  public var metadata: [String: String] = [:]
  public var initial: [Initialiser] = []
  /// One column per hart, top to bottom.
  public var threads: [[LitmusInstruction]] = []
  /// Extra final-state locations to record (`locations [1:x4; x;]`).
  public var observed: [Location] = []
  /// herd's `filter` clause: executions whose final state fails it are not counted at all.
  public var filter: Expression?
  public var condition: Condition

  public init(architecture: String, name: String, condition: Condition) {
    self.architecture = architecture
    self.name = name
    self.condition = condition
  }

  /// Memory locations by name, in a fixed order: as the initial state names them, then those only
  /// the condition or `locations` name, alphabetically, then names the condition only compares
  /// a value with, alphabetically. Location k has address 0x1000·(k+1) in the
  /// model; emulators map their own addresses back to these.
  public var memoryLocations: [String] {
    let named = namedLocations
    return named + comparedSymbols(besides: named)
  }

  /// The names the condition or filter only compares a value with (`1:r1=x1`, where no location
  /// is `x1`), alphabetically: each is a symbol of its own, as in herd, whose address equals no
  /// other location's and no number a test writes (not 0).
  public var comparedSymbols: [String] { comparedSymbols(besides: namedLocations) }

  /// The locations the initial state names, then those only the condition or `locations` name.
  private var namedLocations: [String] {
    var names: [String] = []
    func note(_ name: String) { if !names.contains(name) { names.append(name) } }
    for initialiser in initial {
      if case .memory(let name) = initialiser.location { note(name) }
      if case .address(let name)? = initialiser.value { note(name) }
    }
    for case .memory(let name) in finalStateLocations { note(name) }
    return names
  }

  private func comparedSymbols(besides locations: [String]) -> [String] {
    let compared = condition.expression.addressValues.union(filter?.addressValues ?? [])
    return compared.subtracting(locations).sorted()
  }

  public static func modelAddress(ofLocation index: Int) -> UInt64 { locationSpacing * UInt64(index + 1) }
  /// The size and signedness of location `name` when the initial state declares its type
  /// (`uint16_t y;`): a pointer or `long` is a machine word (the model's 64 bits).
  public func declaredType(ofLocation name: String) -> (bytes: Int, signed: Bool)? {
    let sizes = [
      "int": 4, "uint8_t": 1, "uint16_t": 2, "uint32_t": 4, "uint64_t": 8, "int8_t": 1, "int16_t": 2, "int32_t": 4,
      "int64_t": 8, "long": 8,
    ]
    guard let type = initial.first(where: { $0.location == .memory(name) && $0.type != nil })?.type else { return nil }
    if type.hasSuffix("*") { return (8, false) }
    return sizes[type].map { ($0, !type.hasPrefix("u")) }
  }

  /// The distance between two locations' model addresses: an access within it of a location's
  /// address is into that location.
  public static let locationSpacing: UInt64 = 0x1000

  /// What a final state consists of: the condition's locations and `locations`, in name order.
  public var finalStateLocations: [Location] {
    Array(condition.expression.locations.union(observed)).sorted { "\($0)" < "\($1)" }
  }

  /// A final state as `location=value` texts, the form every model and emulator reports.
  public func finalState(_ value: (Location) -> Int64) -> [String] {
    finalStateLocations.map { "\($0)=\(value($0))" }
  }

  /// A register of one hart, a local variable of one thread of a C test, or a memory location by
  /// name.
  public enum Location: Sendable, Hashable, CustomStringConvertible {
    case register(thread: Int, number: Int)
    case variable(thread: Int, name: String)
    case memory(String)

    public var description: String {
      switch self {
      case .register(let thread, let number): "\(thread):x\(number)"
      case .variable(let thread, let name): "\(thread):\(name)"
      case .memory(let name): name
      }
    }
  }

  /// A number, or the address of a named location.
  public enum Value: Sendable, Hashable, CustomStringConvertible {
    case number(Int64)
    case address(String)

    public var description: String {
      switch self {
      case .number(let value): "\(value)"
      case .address(let name): name
      }
    }
  }

  /// `0:x5=2`, `x=1`, `int z`, `uint64_t 0:x7`, `int *y = &z`.
  public struct Initialiser: Sendable, Equatable {
    public var location: Location
    /// Nil when only declared (then zero).
    public var value: Value?
    /// The declared C type, if any (`int`, `uint64_t`, `int*`).
    public var type: String?
  }

  public enum Quantifier: String, Sendable {
    case exists
    case notExists = "~exists"
    case forall
  }

  public indirect enum Expression: Sendable, Equatable, CustomStringConvertible {
    case constant(Bool)
    case equals(Location, Value)
    /// `0:r1=1:r1`: two locations hold the same value.
    case same(Location, Location)
    case not(Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)

    public var description: String {
      switch self {
      case .constant(let value): value ? "true" : "false"
      case .equals(let location, let value): "\(location)=\(value)"
      case .same(let left, let right): "\(left)=\(right)"
      case .not(let inner): "~(\(inner))"
      case .and(let left, let right): "(\(left) /\\ \(right))"
      case .or(let left, let right): "(\(left) \\/ \(right))"
      }
    }

    /// The expression's value in a final state; `value` answers each location.
    public func holds(_ value: (Location) -> Value?) -> Bool {
      switch self {
      case .constant(let constant): constant
      case .equals(let location, let expected): value(location) == expected
      case .same(let left, let right): value(left).map { $0 == value(right) } ?? false
      case .not(let inner): !inner.holds(value)
      case .and(let left, let right): left.holds(value) && right.holds(value)
      case .or(let left, let right): left.holds(value) || right.holds(value)
      }
    }

    /// Every location the expression reads.
    public var locations: Set<Location> {
      switch self {
      case .constant: []
      case .equals(let location, _): [location]
      case .same(let left, let right): [left, right]
      case .not(let inner): inner.locations
      case .and(let left, let right), .or(let left, let right): left.locations.union(right.locations)
      }
    }

    /// Every name whose address the expression compares a location with (`1:r1=x`).
    public var addressValues: Set<String> {
      switch self {
      case .equals(_, .address(let name)): [name]
      case .constant, .equals, .same: []
      case .not(let inner): inner.addressValues
      case .and(let left, let right), .or(let left, let right): left.addressValues.union(right.addressValues)
      }
    }
  }

  public struct Condition: Sendable, Equatable {
    public var quantifier: Quantifier
    public var expression: Expression
  }
}

/// One cell of a thread column: an optional label and an optional instruction, kept as the
/// mnemonic and operand texts (the memory model maps mnemonics to events).
public struct LitmusInstruction: Sendable, Equatable {
  public var label: String?
  public var mnemonic: String?
  public var operands: [String]
  /// Where the cell starts in the file (1-based line and column).
  public var line: Int
  public var column: Int
}
