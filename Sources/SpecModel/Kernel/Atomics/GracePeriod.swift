/// `synchronize_rcu()` in the compiled C tests: the grace period as the kernel makes it order
/// memory, with code the project writes, since no header of the tree holds it.
///
/// A reader's `rcu_read_lock()` compiles to nothing (a compiler barrier in a non-preemptible
/// build). The grace period's guarantee comes from the reader's CPU instead: at a quiescent state
/// (any point outside its read-side sections) it runs a full barrier, and the grace period ends
/// only after every CPU has passed one that began after it started. The compiled test spells
/// that handshake out, one location per waiting thread and reader thread:
///
/// - the waiter: `fence rw,rw`; it ORs "requested" (1) into every reader's location (a reader
///   that has finished keeps 3), then spins on each until it leaves 1; a last `fence rw,rw`;
/// - the reader: before each statement outside its sections it checks for a request, and
///   answers one with `fence rw,rw` and "passed" (2); at its end, `fence rw,rw` and "finished" (3).
///
/// A reader may thus answer at any quiescent state it reaches, the earliest included, and never
/// inside a section. A thread that both reads and waits answers as it waits, outside its
/// sections.
struct GracePeriods {
  /// The calls that wait for a grace period.
  static let waits: Set<String> = ["synchronize_rcu", "synchronize_rcu_expedited"]

  static let requested = 1
  static let passed = 2
  static let finished = 3

  /// One location per waiting thread and reader thread.
  struct Handshake: Equatable {
    let waiter: Int
    let reader: Int
    let location: String
  }

  let handshakes: [Handshake]

  /// The handshakes `test` needs: none when no thread waits for a grace period.
  init(_ test: KernelLitmusTest, taken: Set<String>) throws {
    var waiters: [Int] = []
    var readers: [Int] = []
    for thread in test.threads {
      let calls = Self.calls(in: thread.body)
      if calls.contains(where: Self.waits.contains) { waiters.append(thread.number) }
      if calls.contains("rcu_read_lock") {
        guard Self.sectionsAreTopLevel(thread.body) else {
          throw AtomicsProver.NotCompiled(reason: "an RCU read-side section that begins or ends inside a branch")
        }
        readers.append(thread.number)
      }
    }
    guard !waiters.isEmpty else {
      handshakes = []
      return
    }
    var made: [Handshake] = []
    var names = taken
    for waiter in waiters {
      // A thread waits for the others' sections: its own have ended before it waits (a wait
      // inside a section is not compiled).
      for reader in readers where reader != waiter {
        var name = "gp\(waiter)r\(reader)"
        while names.contains(name) { name += "_" }
        names.insert(name)
        made.append(Handshake(waiter: waiter, reader: reader, location: name))
      }
    }
    handshakes = made
  }

  var locations: [String] { handshakes.map(\.location) }

  func waited(by thread: Int) -> [Handshake] { handshakes.filter { $0.waiter == thread } }
  func answered(by thread: Int) -> [Handshake] { handshakes.filter { $0.reader == thread } }

  /// Every function a body calls as a statement, in branches too.
  static func calls(in statements: [CStatement]) -> [String] {
    statements.flatMap { statement -> [String] in
      switch statement {
      case .block(let inner): calls(in: inner)
      case .expression(.call(.name(let name), _), _), .expression(.cast(_, .call(.name(let name), _)), _): [name]
      case .branch(_, let then, let otherwise, _): calls(in: [then] + (otherwise.map { [$0] } ?? []))
      default: []
      }
    }
  }

  /// Whether every `rcu_read_lock()` and `rcu_read_unlock()` stands among the thread's own
  /// statements (or plain blocks of them), where the compiler can tell inside from outside.
  static func sectionsAreTopLevel(_ statements: [CStatement]) -> Bool {
    statements.allSatisfy { statement in
      switch statement {
      case .block(let inner): sectionsAreTopLevel(inner)
      case .branch(_, let then, let otherwise, _):
        !calls(in: [then] + (otherwise.map { [$0] } ?? [])).contains {
          $0 == "rcu_read_lock" || $0 == "rcu_read_unlock"
        }
      default: true
      }
    }
  }

  /// The section depth change of a statement: +1 for `rcu_read_lock()`, -1 for `rcu_read_unlock()`.
  static func depthChange(_ statement: CStatement) -> Int {
    switch statement {
    case .expression(.call(.name("rcu_read_lock"), _), _): 1
    case .expression(.call(.name("rcu_read_unlock"), _), _): -1
    default: 0
    }
  }

  /// The waiter's code: `flags` holds the address of each handshake's location; `one` and
  /// `seen` are scratch registers; labels start with `label`. A waiter that reads under RCU
  /// itself is in a quiescent state while it waits: it answers the requests at `answering`
  /// (the addresses of its own handshakes as a reader) as it spins, so two such threads never
  /// wait for each other forever.
  static func wait(flags: [String], one: String, seen: String, label: String, answering: [String] = []) -> [String] {
    // Every reader is asked before any answer is awaited: the grace period starts once for all
    // (asking one after another's answer would order the readers' sections among themselves).
    var lines = ["fence rw,rw", "li \(one),\(requested)"]
    for flag in flags { lines.append("amoor.w \(seen),\(one),(\(flag))") }
    for (index, flag) in flags.enumerated() {
      let spin = "\(label)s\(index)"
      lines.append("\(spin):")
      for (answer, own) in answering.enumerated() {
        lines += quiescentState(flag: own, scratch: seen, label: "\(label)a\(index)_\(answer)")
      }
      lines += ["lw \(seen),0(\(flag))", "beq \(seen),\(one),\(spin)"]
    }
    return lines + ["fence rw,rw"]
  }

  /// A reader's quiescent state: answers a request with a full barrier.
  static func quiescentState(flag: String, scratch: String, label: String) -> [String] {
    [
      "lw \(scratch),0(\(flag))",
      "addi \(scratch),\(scratch),-\(requested)",
      "bne \(scratch),x0,\(label)",
      "fence rw,rw",
      "li \(scratch),\(passed)",
      "sw \(scratch),0(\(flag))",
      "\(label):",
    ]
  }

  /// A reader's end: every later moment is a quiescent state.
  static func end(flag: String, scratch: String) -> [String] {
    ["fence rw,rw", "li \(scratch),\(finished)", "sw \(scratch),0(\(flag))"]
  }
}

extension CStatement {
  /// A declaration: it lays down no code of its own, so no quiescent state is placed before it.
  var isDeclaration: Bool {
    if case .declaration = self { return true }
    return false
  }
}
