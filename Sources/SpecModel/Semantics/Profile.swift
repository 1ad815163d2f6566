/// Choices the manual leaves to implementations, fixed or left open by a named profile.
public struct Profile: Sendable, Hashable, CustomStringConvertible {
  /// What a misaligned AMO (including amocas) may raise.
  public enum AMOMisalignment: Sendable, Hashable, CaseIterable {
    case addressMisaligned  // cause 6
    case accessFault  // cause 7
  }
  /// What a misaligned plain load or store may do.
  public enum PlainMisalignment: Sendable, Hashable, CaseIterable {
    case execute, addressMisaligned, accessFault
  }
  /// What an amocas with an odd register pair may do: it is a reserved encoding.
  public enum OddPair: Sendable, Hashable, CaseIterable {
    case illegalInstruction
    /// Reserved means anything: registers and memory are unconstrained.
    case unconstrained
  }
  /// What mtval holds after an illegal-instruction trap.
  public enum IllegalTval: Sendable, Hashable, CaseIterable {
    case instructionBits, zero
  }

  public let name: String
  /// Misaligned AMO causes allowed without and with Zicclsm.
  public let amoMisaligned: Set<AMOMisalignment>
  public let amoMisalignedWithZicclsm: Set<AMOMisalignment>
  public let plainMisaligned: Set<PlainMisalignment>
  public let plainMisalignedWithZicclsm: Set<PlainMisalignment>
  public let oddPair: Set<OddPair>
  public let illegalTval: Set<IllegalTval>
  /// Whether SC may fail although its reservation is valid.
  public let scMayFailSpuriously: Bool
  /// Whether Zama16b (when in the ISA) lets a misaligned AMO or amocas inside one 16-byte granule
  /// execute.
  public let zama16bCoversAMOCAS: Bool

  public var description: String { name }

  /// What Spike does: cause 6 (7 with Zicclsm), odd pairs illegal, mtval = instruction bits,
  /// SC succeeds exactly when its address holds the reservation, no Zama16b.
  public static let spike = Profile(
    name: "spike",
    amoMisaligned: [.addressMisaligned], amoMisalignedWithZicclsm: [.accessFault],
    plainMisaligned: [.addressMisaligned], plainMisalignedWithZicclsm: [.execute],
    oddPair: [.illegalInstruction], illegalTval: [.instructionBits],
    scMayFailSpuriously: false, zama16bCoversAMOCAS: false)

  /// Like Spike, but misaligned AMOs raise access-fault: a profile that disagrees with Spike on purpose.
  public static let accessFault = Profile(
    name: "access-fault",
    amoMisaligned: [.accessFault], amoMisalignedWithZicclsm: [.accessFault],
    plainMisaligned: [.accessFault], plainMisalignedWithZicclsm: [.execute],
    oddPair: [.illegalInstruction], illegalTval: [.instructionBits],
    scMayFailSpuriously: false, zama16bCoversAMOCAS: false)

  /// Everything the manual allows.
  public static let permissive = Profile(
    name: "permissive",
    amoMisaligned: Set(AMOMisalignment.allCases), amoMisalignedWithZicclsm: Set(AMOMisalignment.allCases),
    plainMisaligned: Set(PlainMisalignment.allCases),
    plainMisalignedWithZicclsm: Set(PlainMisalignment.allCases),
    oddPair: Set(OddPair.allCases), illegalTval: Set(IllegalTval.allCases),
    scMayFailSpuriously: true, zama16bCoversAMOCAS: true)

  public static let all: [Profile] = [.spike, .accessFault, .permissive]

  public static func named(_ name: String) -> Profile? { all.first { $0.name == name } }

  public func amoMisaligned(in isa: ISAString) -> Set<AMOMisalignment> {
    isa.has(.zicclsm) ? amoMisalignedWithZicclsm : amoMisaligned
  }

  public func plainMisaligned(in isa: ISAString) -> Set<PlainMisalignment> {
    isa.has(.zicclsm) ? plainMisalignedWithZicclsm : plainMisaligned
  }

  public init(
    name: String, amoMisaligned: Set<AMOMisalignment>, amoMisalignedWithZicclsm: Set<AMOMisalignment>,
    plainMisaligned: Set<PlainMisalignment>, plainMisalignedWithZicclsm: Set<PlainMisalignment>,
    oddPair: Set<OddPair>, illegalTval: Set<IllegalTval>, scMayFailSpuriously: Bool,
    zama16bCoversAMOCAS: Bool
  ) {
    self.name = name
    self.amoMisaligned = amoMisaligned
    self.amoMisalignedWithZicclsm = amoMisalignedWithZicclsm
    self.plainMisaligned = plainMisaligned
    self.plainMisalignedWithZicclsm = plainMisalignedWithZicclsm
    self.oddPair = oddPair
    self.illegalTval = illegalTval
    self.scMayFailSpuriously = scMayFailSpuriously
    self.zama16bCoversAMOCAS = zama16bCoversAMOCAS
  }

  /// This profile with one choice changed (and `suffix` added to its name): a platform that
  /// behaves as the profile says except there.
  public func changing(
    _ suffix: String, plainMisaligned: Set<PlainMisalignment>? = nil, illegalTval: Set<IllegalTval>? = nil,
    scMayFailSpuriously: Bool? = nil
  ) -> Profile {
    Profile(
      name: name + suffix, amoMisaligned: amoMisaligned, amoMisalignedWithZicclsm: amoMisalignedWithZicclsm,
      plainMisaligned: plainMisaligned ?? self.plainMisaligned,
      plainMisalignedWithZicclsm: plainMisaligned ?? plainMisalignedWithZicclsm, oddPair: oddPair,
      illegalTval: illegalTval ?? self.illegalTval,
      scMayFailSpuriously: scMayFailSpuriously ?? self.scMayFailSpuriously,
      zama16bCoversAMOCAS: zama16bCoversAMOCAS)
  }
}
