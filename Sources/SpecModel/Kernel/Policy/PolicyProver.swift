import Foundation

/// How an obligation ended.
public enum ObligationStatus: String, Sendable {
  case proved, violated, warning, unknown
}

/// One checked property of a kernel's policy, with its evidence.
public struct Obligation: Sendable {
  public let name: String
  public let status: ObligationStatus
  public let message: String
  /// For a violated "no disable path": the KVM_SET_ONE_REG calls that clear the bit.
  public let trace: [String]
  public let location: SourceLocation?
  public let seconds: Double
}

/// One step of a transition trace: what the VMM does.
public enum PolicyOperation: Sendable, Equatable, CustomStringConvertible {
  case setSingle(id: String, number: Int, value: Bool)
  case setConfigISA
  case run

  /// The KVM_SET_ONE_REG register id of a SINGLE ISA_EXT register on a 64-bit host.
  public static func registerID(subtype: UInt64, number: Int) -> UInt64 {
    0x8000_0000_0000_0000 | 0x0030_0000_0000_0000 | (7 << 24) | (subtype << 16) | UInt64(number)
  }

  public var description: String {
    switch self {
    case .setSingle(let id, let number, let value):
      let register = Self.registerID(subtype: 0, number: number)
      return
        "KVM_SET_ONE_REG id=0x\(String(register, radix: 16)) (ISA_EXT SINGLE \(id) = \(number)) value=\(value ? 1 : 0)"
    case .setConfigISA: return "KVM_SET_ONE_REG CONFIG isa (single-letter extensions)"
    case .run: return "KVM_RUN"
    }
  }
}

/// Proves a kernel's ISA-extension policy: the enum and table agree, and no sequence of
/// KVM_SET_ONE_REG calls clears a bit the kernel refuses to disable.
public struct PolicyProver {
  public let policy: KernelPolicy
  /// Extensions that must never be disabled even if the kernel forgot (ZACAS by default).
  public var requiredNeverDisable: [String] = ["ZACAS"]
  /// Restrict per-extension obligations to this one.
  public var focus: String?
  /// Depth for bounded model checking when induction fails.
  public var depth = 3

  /// Lookups built once, so that every obligation stays linear in the number of ids.
  let enumByName: [String: EnumEntry]
  /// The first table entry of each id.
  let tableByID: [String: TableEntry]
  /// The table's size: one past its highest initialised index.
  let tableSize: Int

  public init(policy: KernelPolicy) {
    self.policy = policy
    let enumByName = Dictionary(policy.enumEntries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    self.enumByName = enumByName
    tableByID = Dictionary(policy.table.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    tableSize = (policy.table.compactMap { enumByName[$0.id]?.value }.max() ?? -1) + 1
  }

  // MARK: Derived facts

  /// The host extension an id reaches: its entry, `a` (value 0) for a hole, nil past the end.
  func host(of id: EnumEntry) -> String? {
    if let entry = tableByID[id.name] { return entry.host }
    return id.value < tableSize ? "a" : nil
  }

  // MARK: Running

  public func run() -> [Obligation] {
    var results = structural()
    let z3 = Z3Context()
    // Without the setter's body nothing about KVM_SET_ONE_REG can be proved.
    let system = policy.setter.model.map { TransitionSystem(prover: self, setter: $0, z3: z3) }
    if let problem = policy.setter.problem {
      results.append(
        Obligation(
          name: "setter.read", status: .unknown, message: problem.message, trace: [], location: problem.location,
          seconds: 0))
    }
    for condition in policy.setter.model?.unread ?? [] {
      results.append(
        Obligation(
          name: "setter.conditions-read", status: .warning,
          message:
            "the setter tests '\(condition.text)', which rvcheck does not read: the proofs take either outcome as possible",
          trace: [], location: condition.location, seconds: 0))
    }
    var neverDisable = policy.ids.filter { policy.disable.answer($0.name) == .never }.map(\.name)
    for name in requiredNeverDisable.reversed() where !neverDisable.contains(name) {
      if enumByName[name] == nil {
        // An older tree (ZACAS arrived in v6.9): nothing to prove, but say so.
        results.append(
          Obligation(
            name: "no-disable-path.\(name)", status: .warning, message: "this tree's enum has no \(name)",
            trace: [], location: nil, seconds: 0))
        continue
      }
      neverDisable.insert(name, at: 0)
    }
    if let index = neverDisable.firstIndex(of: "ZACAS"), index != 0 { neverDisable.swapAt(0, index) }
    let checked = neverDisable.filter { focus == nil || focus == $0 }
    if system == nil, checked.count > 1 {
      // Unknown is unknown for every extension: one line for the first, one for the rest.
      results.append(noDisablePath(checked[0], nil))
      results.append(
        Obligation(
          name: "no-disable-path.others", status: .unknown,
          message:
            "not known for \(checked.count - 1) more never-disable extensions: the ISA_EXT setter was not read (see setter.read)",
          trace: [], location: nil, seconds: 0))
    } else {
      for name in checked { results.append(timed { noDisablePath(name, system) }) }
    }
    results += timedAll { noEnableWithoutHost(system) }
    results.append(timed { frozenAfterRun(system) })
    if let call = policy.multiIgnoresSingle, policy.disable.answer("ZACAS") == .never || neverDisable.contains("ZACAS")
    {
      results.append(
        Obligation(
          name: "multi-dis-reports-success", status: .warning,
          message:
            "MULTI_DIS ignores each SINGLE result: a refused disable of a never-disable extension (ZACAS) still returns 0",
          trace: [], location: call, seconds: 0))
    }
    return results
  }

  /// The obligation as unknown because the setter was not read.
  func setterUnknown(_ name: String) -> Obligation {
    Obligation(
      name: name, status: .unknown, message: "not known: the ISA_EXT setter was not read (see setter.read)",
      trace: [], location: nil, seconds: 0)
  }

  func timedAll(_ body: () -> [Obligation]) -> [Obligation] {
    let start = Date()
    let results = body()
    let seconds = Date().timeIntervalSince(start) / Double(max(results.count, 1))
    return results.map {
      Obligation(
        name: $0.name, status: $0.status, message: $0.message, trace: $0.trace, location: $0.location, seconds: seconds)
    }
  }

  /// No guest bit is set while the host lacks that extension, except where a host-check remap
  /// says the kernel means it (a warning naming the remap).
  func noEnableWithoutHost(_ system: TransitionSystem?) -> [Obligation] {
    let name = "no-enable-without-host"
    guard let system else { return [setterUnknown(name)] }
    do {
      let found = try system.enabledWithoutHost()
      guard !found.isEmpty else {
        return [
          Obligation(
            name: name, status: .proved, message: "no guest bit is set for an extension the host lacks (induction)",
            trace: [], location: nil, seconds: 0)
        ]
      }
      return found.map { host in
        let location = policy.table.first { $0.host == host }?.location
        if let checked = policy.hostCheckRemap[host] {
          return Obligation(
            name: name, status: .warning,
            message:
              "\(host) is given to the guest when the host has \(checked), even without \(host) (__kvm_riscv_isa_check_host remaps its check)",
            trace: [], location: location, seconds: 0)
        }
        return Obligation(
          name: name, status: .violated, message: "guest bit \(host) can be set while the host lacks \(host)",
          trace: [], location: location, seconds: 0)
      }
    } catch {
      return [Obligation(name: name, status: .unknown, message: "\(error)", trace: [], location: nil, seconds: 0)]
    }
  }

  /// After the first KVM_RUN no call changes a guest bit (the setter's -EBUSY guard).
  func frozenAfterRun(_ system: TransitionSystem?) -> Obligation {
    let name = "frozen-after-run"
    guard let system else { return setterUnknown(name) }
    do {
      if let trace = try system.changeAfterRun() {
        return Obligation(
          name: name, status: .violated,
          message: "a guest bit changes after KVM_RUN: the setter has no ran_atleast_once guard",
          trace: trace.map(\.description), location: policy.setterLocation, seconds: 0)
      }
      return Obligation(
        name: name, status: .proved, message: "after KVM_RUN every ISA_EXT write returns -EBUSY; nothing changes",
        trace: [], location: policy.setterLocation, seconds: 0)
    } catch {
      return Obligation(
        name: name, status: .unknown, message: "\(error)", trace: [], location: policy.setterLocation, seconds: 0)
    }
  }

  func timed(_ body: () -> Obligation) -> Obligation {
    let start = Date()
    let result = body()
    return Obligation(
      name: result.name, status: result.status, message: result.message, trace: result.trace,
      location: result.location, seconds: Date().timeIntervalSince(start))
  }

  // MARK: Structural obligations

  func structural() -> [Obligation] {
    var results: [Obligation] = []
    func add(
      _ name: String, _ problems: [(String, SourceLocation?)], severity: ObligationStatus = .violated, ok: String
    ) {
      if problems.isEmpty {
        results.append(Obligation(name: name, status: .proved, message: ok, trace: [], location: nil, seconds: 0))
      }
      for (message, location) in problems {
        results.append(
          Obligation(name: name, status: severity, message: message, trace: [], location: location, seconds: 0))
      }
    }
    let entries = policy.enumEntries
    var seen: [String: EnumEntry] = [:]
    var duplicates: [(String, SourceLocation?)] = []
    for entry in entries {
      if let first = seen[entry.name] {
        duplicates.append(("enumerator \(entry.name) appears twice (first at \(first.location))", entry.location))
      }
      seen[entry.name] = seen[entry.name] ?? entry
    }
    add("enum.unique-names", duplicates, ok: "every enumerator name is unique")
    let values = entries.filter { $0.name != "MAX" }.map(\.value)
    var gaps: [(String, SourceLocation?)] = []
    for (expected, entry) in entries.filter({ $0.name != "MAX" }).enumerated() where entry.value != expected {
      gaps.append(
        (
          "\(entry.name) = \(entry.value) where \(expected) was expected: values must run 0, 1, 2, … without gaps",
          entry.location
        ))
      break
    }
    add("enum.contiguous", gaps, ok: "values run contiguously from 0")
    var maxProblems: [(String, SourceLocation?)] = []
    if let last = entries.last, last.name != "MAX" {
      maxProblems.append(("the last enumerator is \(last.name), not KVM_RISCV_ISA_EXT_MAX", last.location))
    } else if let last = entries.last, last.value != values.count {
      maxProblems.append(("KVM_RISCV_ISA_EXT_MAX = \(last.value) but there are \(values.count) ids", last.location))
    }
    add("enum.max-last", maxProblems, ok: "KVM_RISCV_ISA_EXT_MAX is last and counts the ids")

    let byName = enumByName
    add(
      "table.known-ids",
      policy.table.filter { byName[$0.id] == nil || $0.id == "MAX" }.map {
        ("table entry for \($0.id), which the enum does not define", $0.location)
      }, ok: "every table index is a known id")
    var indices: [Int: TableEntry] = [:]
    var repeated: [(String, SourceLocation?)] = []
    for entry in policy.table {
      guard let value = byName[entry.id]?.value else { continue }
      if let first = indices[value] {
        repeated.append(("\(entry.id) is initialised twice (first at \(first.location))", entry.location))
      }
      indices[value] = indices[value] ?? entry
    }
    add("table.no-duplicate-index", repeated, ok: "no index is initialised twice")
    let holes = policy.ids.filter { $0.value < tableSize && indices[$0.value] == nil }
    add(
      "table.no-hole",
      holes.map {
        ("\($0.name) (\($0.value)) has no entry below the last one: it reads as 0, the host bit of A", $0.location)
      }, ok: "no id below the last entry lacks one")
    let past = policy.ids.filter { $0.value >= tableSize }
    add(
      "table.covers-max",
      past.map {
        (
          "\($0.name) (\($0.value)) is past the end of kvm_isa_ext_arr (\(tableSize) entries for MAX = \(policy.max))",
          $0.location
        )
      }, ok: "the table has an entry for every id below MAX")
    add(
      "table.name-match",
      policy.table.filter { $0.id.lowercased() != $0.host.lowercased() }.map {
        ("\($0.id) maps to host extension \($0.host)", $0.location)
      }, severity: .warning, ok: "every entry maps an id to the host extension of the same name")
    var byHost: [String: [TableEntry]] = [:]
    for entry in policy.table { byHost[entry.host.lowercased(), default: []].append(entry) }
    add(
      "table.one-id-per-host-bit",
      byHost.values.filter { $0.count > 1 }.sorted { $0[0].id < $1[0].id }.map {
        ("ids \($0.map(\.id).joined(separator: ", ")) share host bit \($0[0].host)", $0[1].location)
      }, severity: .warning, ok: "no two ids share a host bit")

    for policySwitch in [policy.enable, policy.disable] {
      add(
        "switch.known-ids.\(policySwitch.function)",
        policySwitch.locations.filter { byName[$0.key] == nil }.sorted { $0.key < $1.key }.map {
          ("case \($0.key) is not an id of the enum", $0.value)
        }, ok: "every case label is a known id")
      var groupOf: [String: Int] = [:]
      var twice: [(String, SourceLocation?)] = []
      for (number, group) in policySwitch.groups.enumerated() {
        for id in group {
          if let earlier = groupOf[id], earlier != number {
            twice.append(("\(id) appears in two case groups", policySwitch.locations[id]))
          }
          groupOf[id] = groupOf[id] ?? number
        }
      }
      add("switch.one-group-per-id.\(policySwitch.function)", twice, ok: "no id appears in two groups")
    }
    return results
  }

  // MARK: Model-checked obligations

  func noDisablePath(_ name: String, _ system: TransitionSystem?) -> Obligation {
    let obligation = "no-disable-path.\(name)"
    guard let id = enumByName[name] else {
      return Obligation(
        name: obligation, status: .violated, message: "\(name) is not in the enum", trace: [], location: nil, seconds: 0
      )
    }
    // A hole reads as host bit `a` and an id past the end reads nothing: either way the extension
    // itself is never given, so its obligation fails instead of holding vacuously for another bit.
    guard tableByID[name] != nil else {
      let reason =
        id.value < tableSize
        ? "its index is a hole in kvm_isa_ext_arr, which reads as host bit a"
        : "it is past the end of kvm_isa_ext_arr"
      return Obligation(
        name: obligation, status: .violated,
        message: "\(name) has no entry in kvm_isa_ext_arr (\(reason)): the guest is never given \(name)", trace: [],
        location: id.location, seconds: 0)
    }
    guard let host = host(of: id) else { return setterUnknown(obligation) }
    let location = policy.disable.locations[name] ?? id.location
    guard let system else { return setterUnknown(obligation) }
    // Induction: from any state where the bit is set, no operation clears it.
    do {
      if try system.stepPreserves(host: host) {
        return Obligation(
          name: obligation, status: .proved,
          message:
            "from vCPU creation no KVM_SET_ONE_REG sequence clears \(name) (host bit \(host)): proved by induction",
          trace: [], location: location, seconds: 0)
      }
      if let trace = try system.clearingTrace(host: host, depth: depth) {
        return Obligation(
          name: obligation, status: .violated,
          message:
            "\(name) (host bit \(host)) can be cleared after vCPU creation in \(trace.count) call\(trace.count == 1 ? "" : "s")",
          trace: trace.map(\.description), location: location, seconds: 0)
      }
      return Obligation(
        name: obligation, status: .unknown,
        message: "induction failed but no clearing sequence of \(depth) calls or fewer exists", trace: [],
        location: location, seconds: 0)
    } catch {
      return Obligation(
        name: obligation, status: .unknown, message: "\(error)", trace: [], location: location, seconds: 0)
    }
  }
}
