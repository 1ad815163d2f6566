/// mcause values for the synchronous exceptions the spec raises.
public enum TrapCause: UInt64, Sendable, CaseIterable {
  case illegalInstruction = 2
  case loadAddressMisaligned = 4
  case loadAccessFault = 5
  case storeAddressMisaligned = 6
  case storeAccessFault = 7

  public var name: String {
    switch self {
    case .illegalInstruction: "illegal-instruction"
    case .loadAddressMisaligned: "load-address-misaligned"
    case .loadAccessFault: "load-access-fault"
    case .storeAddressMisaligned: "store/AMO-address-misaligned"
    case .storeAccessFault: "store/AMO-access-fault"
    }
  }
}

/// Profile-constrained trap helpers shared by every instruction.
extension StepBuilder {
  public func isAligned(_ address: BitVec, bytes: Int) -> Formula {
    // Access sizes are powers of two: the low bits, not a division.
    if let value = address.concrete, bytes & (bytes - 1) == 0 {
      return Formula(UInt64(truncatingIfNeeded: value) & UInt64(bytes - 1) == 0)
    }
    if let value = address.concrete { return Formula(UInt64(truncatingIfNeeded: value) % UInt64(bytes) == 0) }
    if let numeral = address.simplified.numeral { return Formula(numeral % UInt64(bytes) == 0) }
    return (address & address.constant(UInt64(bytes - 1))) == address.constant(0)
  }

  /// Illegal instruction when `condition` holds; mtval is the instruction bits or zero, by profile.
  public mutating func illegalInstruction(when condition: Formula, _ rule: Rule) {
    guard condition.mayHold else { return }
    let bitsInTval = choice("illegal-tval-bits")
    let allowed = profile.illegalTval
    let profile = self.profile
    if !allowed.contains(.zero) {
      constrainChoice(bitsInTval, Self.profileRule(profile, "illegal-tval-is-instruction"))
    }
    if !allowed.contains(.instructionBits) {
      constrainChoice(!bitsInTval, Self.profileRule(profile, "illegal-tval-is-zero"))
    }
    let tval = bitsInTval.ite(xlenConstant(UInt64(bits)), xlenConstant(0))
    trap(when: condition, cause: TrapCause.illegalInstruction.rawValue, tval: tval, rule)
  }

  /// The rule a profile constraint is tracked under.
  func profileRule(_ choice: String) -> Rule { Self.profileRule(profile, choice) }

  static func profileRule(_ profile: Profile, _ choice: String) -> Rule {
    Rule("profile.\(profile.name).\(choice)", "rvcheck profile '\(profile.name)'")
  }

  /// Whether this is the concrete interpretation and an access of `bytes` at `address` is
  /// aligned and allowed by the memory map: no check of the access can then trap, and the checks
  /// below need not build their conditions (the relation keeps every check).
  @inline(__always) private func concretelyAlignedAndAllowed(_ address: BitVec, bytes: Int, write: Bool) -> Bool {
    guard case .concrete = backend, address.width <= 64, let value = address.concrete else { return false }
    let start = UInt64(truncatingIfNeeded: value)
    return bytes & (bytes - 1) == 0 && start & UInt64(bytes - 1) == 0
      && context.allows(start, bytes: bytes, write: write)
  }

  /// Alignment and permission checks of a plain load or store.
  @inline(__always) public mutating func checkPlainAccess(_ address: BitVec, bytes: Int, write: Bool) {
    if concretelyAlignedAndAllowed(address, bytes: bytes, write: write) { return }
    checkPlainAccessInGeneral(address, bytes: bytes, write: write)
  }

  @inline(never) private mutating func checkPlainAccessInGeneral(_ address: BitVec, bytes: Int, write: Bool) {
    let misaligned = !isAligned(address, bytes: bytes)
    if bytes > 1 && misaligned.mayHold {
      let outcomes = pick(
        write ? "misaligned-store" : "misaligned-load",
        among: Profile.PlainMisalignment.allCases, allowed: profile.plainMisaligned(in: isa))
      for (outcome, chosen) in outcomes {
        switch outcome {
        case .execute: break
        case .addressMisaligned:
          let cause: TrapCause = write ? .storeAddressMisaligned : .loadAddressMisaligned
          trap(when: misaligned && chosen, cause: cause.rawValue, tval: address, .misalignedAccess)
        case .accessFault:
          let cause: TrapCause = write ? .storeAccessFault : .loadAccessFault
          trap(when: misaligned && chosen, cause: cause.rawValue, tval: address, .misalignedAccess)
        }
      }
    }
    let permitted = memoryAllows(address, bytes: bytes, write: write)
    if write {
      trap(when: !permitted, cause: TrapCause.storeAccessFault.rawValue, tval: address, .storeAccessFault)
    } else {
      trap(when: !permitted, cause: TrapCause.loadAccessFault.rawValue, tval: address, .loadAccessFault)
    }
  }

  /// Alignment and permission checks of an AMO, LR or SC: misaligned raises address-misaligned or
  /// access-fault (by profile); the access must be permitted (writable, unless `load`).
  @inline(__always) public mutating func checkAtomicAccess(
    _ address: BitVec, bytes: Int, load: Bool = false, misalignedRule: Rule, permissionRule: Rule,
    granuleMayExecute: Formula? = nil
  ) {
    if concretelyAlignedAndAllowed(address, bytes: bytes, write: !load) { return }
    checkAtomicAccessInGeneral(
      address, bytes: bytes, load: load, misalignedRule: misalignedRule, permissionRule: permissionRule,
      granuleMayExecute: granuleMayExecute)
  }

  @inline(never) private mutating func checkAtomicAccessInGeneral(
    _ address: BitVec, bytes: Int, load: Bool, misalignedRule: Rule, permissionRule: Rule,
    granuleMayExecute: Formula?
  ) {
    var misaligned = !isAligned(address, bytes: bytes)
    if let granuleMayExecute {
      misaligned = misaligned && !granuleMayExecute
    }
    if misaligned.mayHold {
      let outcomes = pick(
        "misaligned-atomic", among: Profile.AMOMisalignment.allCases, allowed: profile.amoMisaligned(in: isa))
      for (outcome, chosen) in outcomes {
        let cause: TrapCause
        switch (outcome, load) {
        case (.addressMisaligned, false): cause = .storeAddressMisaligned
        case (.accessFault, false): cause = .storeAccessFault
        case (.addressMisaligned, true): cause = .loadAddressMisaligned
        case (.accessFault, true): cause = .loadAccessFault
        }
        trap(when: misaligned && chosen, cause: cause.rawValue, tval: address, misalignedRule)
      }
    }
    let permitted = memoryAllows(address, bytes: bytes, write: !load)
    let fault: TrapCause = load ? .loadAccessFault : .storeAccessFault
    trap(when: !permitted, cause: fault.rawValue, tval: address, permissionRule)
  }
}
